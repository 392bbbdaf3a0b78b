/**
 * Where requests go. By default every client resolves the service's regional AWS endpoint itself;
 * with an endpoint URL (a local sandbox) every service goes there.
 */
export function endpointConfig(endpointUrl: string | undefined): { endpoint?: string } {
  return endpointUrl ? { endpoint: endpointUrl } : {};
}

/**
 * How S3 requests are addressed: path-style on a single endpoint URL (the sandbox serves every
 * bucket on one host), and, as the AWS CLI does, a bucket of another region answering 301 with its
 * region gets the request again there (reports, ledgers and baselines live wherever the bucket is).
 * Checksums only where an operation requires them.
 */
export function s3Addressing(endpointUrl: string | undefined) {
  return {
    forcePathStyle: endpointUrl !== undefined,
    followRegionRedirects: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  } as const;
}
