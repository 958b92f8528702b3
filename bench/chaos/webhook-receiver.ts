import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const WEBHOOK_FAILURE_RATE = 0.1;
const WEBHOOK_FAILURES_PER_EVENT = 2;

/** The merchant's webhook endpoint: verifies signatures, answers some deliveries 503, logs everything. */
export class WebhookReceiver {
  readonly answers: { eventId: string; status: number; at: number }[] = [];
  readonly badSignatures: string[] = [];
  secret = '';
  private failures = new Map<string, number>();
  private server: Server;

  constructor(private readonly random: () => number) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const eventId = String(req.headers['tongbao-event-id'] ?? '');
        if (!this.verify(raw, String(req.headers['tongbao-signature'] ?? ''))) this.badSignatures.push(eventId);
        const failed = this.failures.get(eventId) ?? 0;
        const status = failed < WEBHOOK_FAILURES_PER_EVENT && this.random() < WEBHOOK_FAILURE_RATE ? 503 : 200;
        if (status !== 200) this.failures.set(eventId, failed + 1);
        this.answers.push({ eventId, status, at: Date.now() });
        res.writeHead(status).end();
      });
    });
  }

  private verify(raw: string, header: string): boolean {
    const parts = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
    if (!parts.t || !parts.v1) return false;
    const expected = createHmac('sha256', this.secret).update(`${parts.t}.${raw}`).digest();
    const given = Buffer.from(parts.v1, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/tongbao`;
  }

  delivered(): Set<string> {
    return new Set(this.answers.filter((answer) => answer.status === 200).map((answer) => answer.eventId));
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close();
  }
}
