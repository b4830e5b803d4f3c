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

/** What the backend answers, chunk by chunk: enough chunks for order to show. */
const reply = Array.from({ length: 12 }, (_, i) => `w${i} `);

/** The gateway the cases call: one key, one model `m`, routed to the in-memory backend. */
export function portableGateway(): Gateway {
  const router = createRouter({ backends: { probe: probeBackend(always({ words: reply })) }, rules: [{ model: 'm', backend: 'probe' }], timingLog: false });
  return createGateway({ router, keys: [{ key, name: 'ci' }], models: ['m'], log: false });
}

/** How a case's request reaches the gateway: its own handler, or a host's dispatch to it. */
export type Send = (request: Request) => Promise<Response>;

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

/** A response's status, once its body is read: a Workers-style host holds a subrequest open until its body is consumed. */
async function statusOf(response: Response): Promise<number> {
  await response.arrayBuffer();
  return response.status;
}

/** The cases, each request sent with `send`; `label` starts each case's name. */
export function gatewayCases(send: Send, label = 'gateway'): readonly PortableCase[] {
  return [
    {
      name: `${label}: a chat completion, its id echoed and the backend named in headers`,
      async run() {
        const response = await send(chat({}));
        assertEqual(response.status, 200, 'status');
        assertEqual(response.headers.get('x-request-id'), 'req-1', 'request id');
        assertEqual([response.headers.get('x-router-backend'), response.headers.get('x-router-model')], ['probe', 'm'], 'serving backend');
        const body = (await response.json()) as { choices: { message: { content: string }; finish_reason: string }[] };
        assertEqual([body.choices[0]!.message.content, body.choices[0]!.finish_reason], [reply.join(''), 'stop'], 'choice');
      },
    },
    {
      name: `${label}: a streamed completion as SSE, every chunk in order, then [DONE]`,
      async run() {
        const response = await send(chat({ stream: true }));
        assertEqual(response.status, 200, 'status');
        assert(response.headers.get('content-type')?.startsWith('text/event-stream'), `content type ${response.headers.get('content-type')}`);
        const data = await events(response);
        assertEqual(data.at(-1), '[DONE]', 'last event');
        const chunks = data.slice(0, -1).map((line) => JSON.parse(line) as { choices: { delta?: { content?: string } }[] });
        const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
        assertEqual(text, reply.join(''), 'streamed text');
      },
    },
    {
      name: `${label}: no key is a 401, a bad field a 400 naming it, an unknown model a 404`,
      async run() {
        assertEqual(await statusOf(await send(chat({}, 'Bearer wrong'))), 401, 'wrong key');
        const bad = await send(chat({ temperature: 'hot' }));
        assertEqual(bad.status, 400, 'bad field');
        const message = ((await bad.json()) as { error: { message: string } }).error.message;
        assert(message.includes('temperature'), `the message names the field: ${message}`);
        assertEqual(await statusOf(await send(chat({ model: 'unknown' }))), 404, 'unknown model');
      },
    },
    {
      name: `${label}: /v1/models lists the configured models; /healthz answers`,
      async run() {
        const models = await send(new Request('http://gateway.test/v1/models', { headers: { authorization: `Bearer ${key}` } }));
        assertEqual(((await models.json()) as { data: { id: string }[] }).data.map((model) => model.id), ['m'], 'models');
        assertEqual(await statusOf(await send(new Request('http://gateway.test/healthz'))), 200, 'healthz');
      },
    },
  ];
}
