import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseTrailKey } from '../../shared/collect/usage/org-trail.js';
import { readTrailFile, trailRecordOf } from '../../shared/collect/usage/trail-records.js';

/** The log file name example of the CloudTrail User Guide ("CloudTrail log file examples"). */
const DOCUMENTED_FILE_NAME = '111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz';

/** The single record example of the CloudTrail User Guide ("CloudTrail log event reference"). */
const DOCUMENTED_RECORD = `{
    "eventVersion": "1.09",
    "userIdentity": {
        "type": "IAMUser",
        "principalId": "EXAMPLE6E4XEGITWATV6R",
        "arn": "arn:aws:iam::123456789012:user/Mary_Major",
        "accountId": "123456789012",
        "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
        "userName": "Mary_Major",
        "sessionContext": {
            "attributes": {
                "creationDate": "2023-07-19T21:11:57Z",
                "mfaAuthenticated": "false"
            }
        }
    },
    "eventTime": "2023-07-19T21:33:41Z",
    "eventSource": "cloudtrail.amazonaws.com",
    "eventName": "StartLogging",
    "awsRegion": "us-east-1",
    "sourceIPAddress": "192.0.2.0",
    "userAgent": "aws-cli/2.13.5 Python/3.11.4 Linux/4.14.255-314-253.539.amzn2.x86_64 exec-env/CloudShell exe/x86_64.amzn.2 prompt/off command/cloudtrail.start-logging",
    "requestParameters": {
        "name": "myTrail"
    },
    "responseElements": null,
    "requestID": "9d478fc1-4f10-490f-a26b-EXAMPLE0e932",
    "eventID": "eae87c48-d421-4626-94f5-EXAMPLEac994",
    "readOnly": false,
    "eventType": "AwsApiCall",
    "managementEvent": true,
    "recipientAccountId": "123456789012",
    "eventCategory": "Management",
    "tlsDetails": {
        "tlsVersion": "TLSv1.2",
        "cipherSuite": "ECDHE-RSA-AES128-GCM-SHA256",
        "clientProvidedHostHeader": "cloudtrail.us-east-1.amazonaws.com"
    },
    "sessionCredentialFromConsole": "true"
}`;

describe('the documented CloudTrail examples', () => {
  it('parses the documented log file name under an organization trail path', () => {
    const key = `trail/AWSLogs/o-exampleorgid/111122223333/CloudTrail/us-east-2/2015/08/01/${DOCUMENTED_FILE_NAME}`;
    expect(parseTrailKey(key)).toEqual({
      key,
      accountId: '111122223333',
      region: 'us-east-2',
      day: '2015-08-01',
      deliveredAt: '2015-08-01T02:10:00.000Z',
    });
  });

  it('parses the documented log file name under a single-account trail path without a prefix', () => {
    const key = `AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/01/${DOCUMENTED_FILE_NAME}`;
    expect(parseTrailKey(key)?.deliveredAt).toBe('2015-08-01T02:10:00.000Z');
  });

  it('rejects the documented name under another account folder', () => {
    expect(
      parseTrailKey(
        `AWSLogs/o-exampleorgid/444455556666/CloudTrail/us-east-2/2015/08/01/${DOCUMENTED_FILE_NAME}`,
      ),
    ).toBeUndefined();
  });

  it('reads the documented record from a gzip log file and places it under the account-region of the file', () => {
    const body = gzipSync(Buffer.from(`{"Records": [${DOCUMENTED_RECORD}]}`));
    const records = readTrailFile(body, DOCUMENTED_FILE_NAME);
    expect(records).toHaveLength(1);
    const record = trailRecordOf(records[0], { accountId: '111122223333', region: 'us-east-2' });
    expect(record).toEqual({
      accountId: '111122223333',
      region: 'us-east-2',
      eventId: 'eae87c48-d421-4626-94f5-EXAMPLEac994',
      eventName: 'StartLogging',
      eventTime: '2023-07-19T21:33:41Z',
      eventSource: 'cloudtrail.amazonaws.com',
      resources: [],
      detail: JSON.parse(DOCUMENTED_RECORD),
    });
  });
});
