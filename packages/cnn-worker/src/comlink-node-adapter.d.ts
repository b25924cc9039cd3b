// comlink ships `node-adapter.d.ts` beside `node-adapter.mjs`, but
// TypeScript looks for `.d.mts` next to an `.mjs`; this restates it for the
// two Node endpoints we pass.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  import type { MessagePort, Worker } from 'node:worker_threads';
  export default function nodeEndpoint(nep: MessagePort | Worker): Endpoint;
}
