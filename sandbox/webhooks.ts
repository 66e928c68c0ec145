// Outbound webhook delivery: fire-and-forget POST with 2 retries, every attempt recorded.
// Uses node:http only, so https targets are recorded as errors rather than attempted.
import http from "http"
import type { WebhookDelivery } from "./types"

const MAX_ATTEMPTS = 3
const RETRY_SPACING_MS = 500
const ATTEMPT_TIMEOUT_MS = 5_000

export class WebhookSender {
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly inflight = new Set<http.ClientRequest>()
  private closed = false

  constructor(private readonly record: (d: WebhookDelivery) => void) {}

  send(url: string, body: unknown): void {
    const payload = JSON.stringify(body)
    // Defer so the caller's response goes out first.
    this.later(0, () => this.attempt(url, body, payload, 1))
  }

  /** Stop retries and abort in-flight deliveries (used by close/reset). */
  cancelAll(): void {
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

  private attempt(url: string, body: unknown, payload: string, n: number): void {
    if (this.closed) return
    let settled = false
    const done = (status?: number, error?: string): void => {
      if (settled) return
      settled = true
      const d: WebhookDelivery = { url, body, attempt: n, at: new Date().toISOString() }
      if (status !== undefined) d.status = status
      if (error !== undefined) d.error = error
      this.record(d)
      const ok = status !== undefined && status >= 200 && status < 300
      if (!ok && n < MAX_ATTEMPTS) this.later(RETRY_SPACING_MS, () => this.attempt(url, body, payload, n + 1))
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
