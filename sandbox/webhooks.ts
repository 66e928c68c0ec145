// Outbound webhook delivery: fire-and-forget POST with 2 retries, every attempt recorded.
// Uses node:http only, so https targets are recorded as errors rather than attempted.
// Switches (SandboxConfig): webhookDelayMs delays the first delivery; webhookDuplicates sends
// that many extra copies of the same body, each after the previous copy's first attempt ended.
import http from "http"
import type { WebhookDelivery } from "./types"

const MAX_ATTEMPTS = 3
const RETRY_SPACING_MS = 500
const ATTEMPT_TIMEOUT_MS = 5_000
const DUPLICATE_SPACING_MS = 10

export interface WebhookPolicy {
  duplicates: number
  delayMs: number
}

/** One copy of one webhook: copy 0 is the original, copies 1..n are duplicates. */
interface Delivery {
  url: string
  body: unknown
  payload: string
  transactionId?: string
  copy: number
  copies: number
}

export class WebhookSender {
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly inflight = new Set<http.ClientRequest>()
  private closed = false
  /** Bumped by cancelAll, so deliveries aborted by a reset record nothing and schedule nothing. */
  private generation = 0

  constructor(
    private readonly record: (d: WebhookDelivery) => void,
    private readonly policy: () => WebhookPolicy = () => ({ duplicates: 0, delayMs: 0 }),
  ) {}

  send(url: string, body: unknown, transactionId?: string): void {
    const { duplicates, delayMs } = this.policy()
    const d: Delivery = { url, body, payload: JSON.stringify(body), transactionId, copy: 0, copies: 1 + duplicates }
    // Deferred (even with no delay) so the caller's response goes out first.
    this.later(delayMs, () => this.attempt(d, 1))
  }

  /** Stop retries and abort in-flight deliveries (used by close/reset). */
  cancelAll(): void {
    this.generation++
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    for (const r of this.inflight) r.destroy()
    this.inflight.clear()
  }

  close(): void {
    this.closed = true
    this.cancelAll()
  }

  private later(ms: number, fn: () => void): void {
    if (this.closed) return
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
  }

  private attempt(d: Delivery, n: number): void {
    if (this.closed) return
    const { url, payload } = d
    const generation = this.generation
    let settled = false
    const done = (status?: number, error?: string): void => {
      if (settled || generation !== this.generation) return
      settled = true
      const w: WebhookDelivery = { url, body: d.body, duplicate: d.copy > 0, attempt: n, at: new Date().toISOString() }
      if (d.transactionId !== undefined) w.transactionId = d.transactionId
      if (status !== undefined) w.status = status
      if (error !== undefined) w.error = error
      this.record(w)
      const ok = status !== undefined && status >= 200 && status < 300
      if (!ok && n < MAX_ATTEMPTS) this.later(RETRY_SPACING_MS, () => this.attempt(d, n + 1))
      if (n === 1 && d.copy + 1 < d.copies) {
        const next: Delivery = { ...d, copy: d.copy + 1 }
        this.later(DUPLICATE_SPACING_MS, () => this.attempt(next, 1))
      }
    }

    let target: URL
    try {
      target = new URL(url)
    } catch {
      return done(undefined, "Invalid webhook URL")
    }
    if (target.protocol !== "http:") return done(undefined, `Unsupported protocol ${target.protocol}`)

    const req = http.request(target, {
      method: "POST",
      agent: false, // no pooled sockets left behind after close()
      timeout: ATTEMPT_TIMEOUT_MS,
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(payload),
        "user-agent": "paymentoptions-sandbox-webhook/1",
      },
    })
    this.inflight.add(req)
    req.on("response", (res) => {
      res.resume() // drain; only the status matters
      res.on("end", () => this.inflight.delete(req))
      done(res.statusCode)
    })
    req.on("timeout", () => req.destroy(new Error("Webhook attempt timed out")))
    req.on("error", (e) => {
      this.inflight.delete(req)
      if (!this.closed) done(undefined, e.message)
    })
    req.end(payload)
  }
}
