import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exchangeKey } from '../../src/simulator/cassette';

describe('cassette keys', () => {
  const chat = { model: 'm', messages: [{ role: 'user', content: 'hi' }], max_completion_tokens: 100 };
  const tool = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object' } } });

  it('tell apart two turns with the same conversation but other tools offered', () => {
    assert.notEqual(exchangeKey({ ...chat, tools: [tool('a')] }), exchangeKey({ ...chat, tools: [tool('b')] }));
    assert.equal(exchangeKey({ ...chat, tools: [] }), exchangeKey(chat));
  });

  it('tell apart Responses API requests by their input, instructions and schema', () => {
    const responses = { model: 'm', input: [{ role: 'user', content: 'one' }], max_output_tokens: 100 };
    assert.notEqual(exchangeKey(responses), exchangeKey({ ...responses, input: [{ role: 'user', content: 'two' }] }));
    assert.notEqual(exchangeKey(responses), exchangeKey({ ...responses, instructions: 'be brief' }));
    const withSchema = (name: string) => ({ ...responses, text: { format: { type: 'json_schema', name } } });
    assert.notEqual(exchangeKey(withSchema('plan')), exchangeKey(withSchema('review')));
  });
});
