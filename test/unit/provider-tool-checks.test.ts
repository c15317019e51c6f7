import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { functionToolProblem } from '../../src/domain/provider-tool-checks';

describe('function tools a provider would refuse', () => {
  const object = (properties: object) => ({ type: 'object', properties });

  it('accepts an object schema with typed arrays, enums holding arrays, and nested objects', () => {
    const schema = object({
      tags: { type: 'array', items: { type: 'string' } },
      pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] },
      mode: { enum: [['array']], default: ['array'] },
      nested: object({ deeper: { type: ['string', 'array'], items: { type: 'string' } } }),
    });
    assert.equal(functionToolProblem('mcp__files__tag', schema), undefined);
  });

  it('names the path of an array without items, also inside anyOf and type lists', () => {
    assert.match(
      functionToolProblem('t', object({ a: { anyOf: [{ type: 'string' }, { type: 'array' }] } }))!,
      /at properties\.a\.anyOf\.1$/,
    );
    assert.match(functionToolProblem('t', object({ b: { type: ['null', 'array'] } }))!, /at properties\.b$/);
  });

  it('refuses a schema that is not an object, and names that are too long or have dots', () => {
    assert.match(functionToolProblem('t', { type: 'string' })!, /not a JSON schema of type "object"/);
    assert.match(functionToolProblem('t', undefined)!, /not a JSON schema of type "object"/);
    assert.match(functionToolProblem(`mcp__s__${'x'.repeat(60)}`, object({}))!, /longer than the 64 characters/);
    assert.match(functionToolProblem('mcp__s__files.read', object({}))!, /characters providers refuse/);
  });
});
