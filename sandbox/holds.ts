// Tracks every timer the sandbox arms (delayed/held responses, auto-settles) so close()
// can end them all and jest is never kept alive by a 120 s timeout fault.
import type { ServerResponse } from "http"

export class Holds {
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly held = new Set<ServerResponse>()

  timer(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t)
      fn()
    }, ms)
    this.timers.add(t)
  }

  /** Run fn now, or after ms while remembering res so close() can drop its socket. */
  after(ms: number, res: ServerResponse, fn: () => void): void {
    if (ms <= 0) return fn()
    this.held.add(res)
    this.timer(ms, () => {
      this.held.delete(res)
      fn()
    })
  }

  /** Never answer: keep the request open for ms, then destroy the socket (a gateway timeout). */
  hold(res: ServerResponse, ms: number): void {
    this.after(ms, res, () => res.destroy())
  }

  /** Used by close() and reset: drop timers and the sockets of held responses. */
  clearAll(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
    for (const res of this.held) res.destroy()
    this.held.clear()
  }
}
