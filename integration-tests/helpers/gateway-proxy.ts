/**
 * A loopback HTTP proxy in front of the sandbox gateway that can hold chosen answers: the gateway answers at once
 * (its state is read when the request arrives), the proxy hands the answer to Medusa `ms` later. That is "a slow
 * gateway", which the sandbox's faults do not offer for an ordinary answer (its delayMs only applies to faults),
 * and it works with any sandbox version (the issue-8 scenario specs also run against older code).
 *
 *   const proxy = await startGatewayProxy(sandbox.url)   // PO_BASE_URL = proxy.url
 *   proxy.delay((r) => r.method === "GET" && r.path.endsWith(`/status/${id}`), 4000)  // the next matching answer is held 4 s
 *
 * Webhooks and the hosted page do not go through it (the sandbox builds those URLs from its own address).
 */
import http from "node:http"
import type { AddressInfo } from "node:net"

export type ProxiedRequest = { method: string; path: string }

export interface GatewayProxy {
  url: string
  /** Holds the answer of the next `times` (default 1) requests matching `match` for `ms`. */
  delay(match: (req: ProxiedRequest) => boolean, ms: number, times?: number): void
  /** Forgets every armed delay. */
  clear(): void
  /** Requests that were held, oldest first. */
  held(): ProxiedRequest[]
  close(): Promise<void>
}

/** `target` is the sandbox's URL, or a function giving it (read at each request, so the proxy can start first). */
export async function startGatewayProxy(target: string | (() => string)): Promise<GatewayProxy> {
  const upstreamOf = () => new URL(typeof target === "function" ? target() : target)
  let armed: { match: (req: ProxiedRequest) => boolean; ms: number; remaining: number }[] = []
  const held: ProxiedRequest[] = []
  const timers = new Set<NodeJS.Timeout>()
  const agent = new http.Agent({ keepAlive: true })

  const server = http.createServer((req, res) => {
    const info: ProxiedRequest = { method: req.method ?? "GET", path: new URL(req.url ?? "/", "http://proxy").pathname }
    const i = armed.findIndex((a) => a.match(info))
    let wait = 0
    if (i >= 0) {
      wait = armed[i].ms
      if (--armed[i].remaining <= 0) armed.splice(i, 1)
      held.push(info)
    }
    const upstream = upstreamOf()
    const out = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
        agent,
      },
      (answer) => {
        const chunks: Buffer[] = []
        answer.on("data", (c: Buffer) => chunks.push(c))
        answer.on("end", () => {
          const send = () => {
            if (res.destroyed) return
            res.writeHead(answer.statusCode ?? 502, answer.headers)
            res.end(Buffer.concat(chunks))
          }
          if (!wait) return send()
          const t = setTimeout(() => {
            timers.delete(t)
            send()
          }, wait)
          timers.add(t)
        })
        answer.on("error", () => res.destroy())
      }
    )
    // The sandbox holding an answer forever (a timeout fault) ends with a destroyed socket: pass that on.
    out.on("error", () => res.destroy())
    req.pipe(out)
  })
  server.requestTimeout = 0
  server.keepAliveTimeout = 65_000
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const { port } = server.address() as AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    delay(match, ms, times = 1) {
      armed.push({ match, ms, remaining: times })
    },
    clear() {
      armed = []
    },
    held: () => held.slice(),
    close() {
      for (const t of timers) clearTimeout(t)
      timers.clear()
      agent.destroy()
      return new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}
