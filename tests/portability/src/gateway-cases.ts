/**
 * `@router/gateway`'s fetch handler on whichever runtime runs these cases:
 * what Deno's `Deno.serve`, Bun's `Bun.serve` and a Workers-style host call
 * with each request. The router behind it is in memory (the probe backend of
 * core's cases), so nothing leaves the process; web-standard `Request` and
 * `Response` only.
 */
import { createRouter } from '@router/core';
import { createGateway, type Gateway } from '@router/gateway';
import { always, probeBackend } from './cases.ts';
import { assert, assertEqual, type PortableCase } from './harness.ts';

const key = 'sk-portability-not-a-real-key';

function gateway(words: string[]): Gateway {
  const router = createRouter({ backends: { probe: probeBackend(always({ words })) }, rules: [{ model: 'm', backend: 'probe' }], timingLog: false });
  return createGateway({ router, keys: [{ key, name: 'ci' }], models: ['m'], log: false });
}

function chat(body: Record<string, unknown>, authorization = `Bearer ${key}`): Request {
  return new Request('http://gateway.test/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization, 'x-request-id': 'req-1' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

/** The `data:` payloads of an SSE body, in order. */
async function events(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: '))
    .map((line) => line.slice('data: '.length));
}

export const gatewayCases: readonly PortableCase[] = [
  {
    name: 'gateway: a chat completion, its id echoed and the backend named in headers',
    async run() {
      const response = await gateway(['a ', 'b']).fetch(chat({}));
      assertEqual(response.status, 200, 'status');
      assertEqual(response.headers.get('x-request-id'), 'req-1', 'request id');
      assertEqual([response.headers.get('x-router-backend'), response.headers.get('x-router-model')], ['probe', 'm'], 'serving backend');
      const body = (await response.json()) as { choices: { message: { content: string }; finish_reason: string }[] };
      assertEqual([body.choices[0]!.message.content, body.choices[0]!.finish_reason], ['a b', 'stop'], 'choice');
    },
  },
  {
    name: 'gateway: a streamed completion as SSE, every chunk in order, then [DONE]',
    async run() {
      const words = Array.from({ length: 12 }, (_, i) => `w${i} `);
      const response = await gateway(words).fetch(chat({ stream: true }));
      assertEqual(response.status, 200, 'status');
      assert(response.headers.get('content-type')?.startsWith('text/event-stream'), `content type ${response.headers.get('content-type')}`);
      const data = await events(response);
      assertEqual(data.at(-1), '[DONE]', 'last event');
      const chunks = data.slice(0, -1).map((line) => JSON.parse(line) as { choices: { delta?: { content?: string } }[] });
      const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
      assertEqual(text, words.join(''), 'streamed text');
    },
  },
  {
    name: 'gateway: no key is a 401, a bad field a 400 naming it, an unknown model a 404',
    async run() {
      const gw = gateway(['x']);
      assertEqual((await gw.fetch(chat({}, 'Bearer wrong'))).status, 401, 'wrong key');
      const bad = await gw.fetch(chat({ temperature: 'hot' }));
      assertEqual(bad.status, 400, 'bad field');
      const message = ((await bad.json()) as { error: { message: string } }).error.message;
      assert(message.includes('temperature'), `the message names the field: ${message}`);
      assertEqual((await gw.fetch(chat({ model: 'unknown' }))).status, 404, 'unknown model');
    },
  },
  {
    name: 'gateway: /v1/models lists the configured models; /healthz answers',
    async run() {
      const gw = gateway(['x']);
      const models = await gw.fetch(new Request('http://gateway.test/v1/models', { headers: { authorization: `Bearer ${key}` } }));
      assertEqual(((await models.json()) as { data: { id: string }[] }).data.map((model) => model.id), ['m'], 'models');
      assertEqual((await gw.fetch(new Request('http://gateway.test/healthz'))).status, 200, 'healthz');
    },
  },
];
