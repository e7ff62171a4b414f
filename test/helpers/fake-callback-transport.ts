import type { CallbackTransport } from '../../src/queue-worker/callback.js';

/** Answers each POST from a script (a status, or 'unreachable' to throw) and records where it went. */
export class FakeCallbackTransport implements CallbackTransport {
  readonly posts: { url: string; headers: Record<string, string>; body: string }[] = [];

  constructor(private readonly answers: (number | 'unreachable')[]) {}

  post(url: URL, headers: Record<string, string>, body: Buffer): Promise<{ status: number }> {
    this.posts.push({ url: url.toString(), headers, body: body.toString('utf8') });
    const answer = this.answers[this.posts.length - 1] ?? 200;
    if (answer === 'unreachable') return Promise.reject(new Error('connect ECONNREFUSED'));
    return Promise.resolve({ status: answer });
  }
}
