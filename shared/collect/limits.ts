/**
 * Limits of the collection that flags and settings are checked against, in a module of their own:
 * a command checks its flags without loading the collectors and the AWS SDK behind them.
 */

/** CloudTrail LookupEvents only reaches back 90 days. */
export const MAX_CLOUDTRAIL_DAYS = 90;

/** The root (`r-…`) or an organizational unit (`ou-…`): what `--ou` and the OU lists accept. */
export const ORGANIZATION_PARENT_PATTERN = /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/;
