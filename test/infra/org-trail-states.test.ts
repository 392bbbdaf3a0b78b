import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { orgTrailStates } from '../../infra/org-trail-states.js';

/** asl-validator ships CommonJS without type declarations. */
const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};

const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:111122223333:function:collect-trail-usage';

function definition() {
  return {
    StartAt: 'PlanTrailDays',
    States: {
      ...orgTrailStates({ functionArn: FUNCTION_ARN, trailBucket: 'org-trail-logs', next: 'Done' }),
      Done: { Type: 'Succeed' },
    },
  };
}

describe('the organization-trail states', () => {
  it('are a state machine asl-validator accepts', () => {
    const result = aslValidator(definition());
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it("read the day folders from the plan step's object in S3, not from the state", () => {
    const states = definition().States as Record<string, Record<string, unknown>>;
    expect(states.PlanTrailDays.ResultPath).toBe('$.trail');
    expect(states.ReadTrailDays.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { 'Bucket.$': '$.trail.bucket', 'Key.$': '$.trail.key' },
    });
    expect(states.ReadTrailDays).not.toHaveProperty('ItemsPath');
  });

  it('list each day folder with an S3 ItemReader and batch its log files to the function', () => {
    const states = definition().States as Record<
      string,
      { ItemProcessor?: { States: Record<string, unknown> } }
    >;
    const day = states.ReadTrailDays.ItemProcessor?.States.ReadTrailDay as Record<string, unknown>;
    expect(day.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:listObjectsV2',
      Parameters: { Bucket: 'org-trail-logs', 'Prefix.$': '$.prefix' },
    });
    expect(day.ItemBatcher).toMatchObject({ MaxItemsPerBatch: 500 });
    // A folder with an unreadable file is left unsealed rather than failing the night.
    expect(day.Catch).toEqual([expect.objectContaining({ Next: 'TrailDayUnsealed' })]);
    expect(day.Next).toBe('SealTrailDay');
  });
});
