// HTTP server wiring: dispatch, lifecycle (listen/close) and the in-process Sandbox handle.
import http from "http"
import type { AddressInfo } from "net"
import { DEFAULT_SANDBOX_CONFIG, pickConfig } from "./config"
import type { GatewayCtx } from "./context"
import { CONTROL_PREFIX, handleControl } from "./control"
import { FaultBook } from "./faults"
import { PREFIX, handleGateway } from "./gateway"
import { Holds } from "./holds"
import { handleHppPay, serveHppPage } from "./hpp"
import { BodyError, sendJson } from "./http-util"
import { notifyWebhook } from "./operations"
import { SandboxState, publicTxn } from "./state"
import { completeChallenge, handleThreeDsComplete, serveThreeDsPage } from "./threeds"
import type { Sandbox, SandboxConfig, SandboxCredentials, SandboxOptions } from "./types"
import { WebhookSender } from "./webhooks"

export const DEFAULT_SANDBOX_CREDENTIALS: SandboxCredentials = {
  apiKey: "sandbox-api-key",
  xApiKey: "sandbox-x-api-key",
  merchantId: "JP00000001",
}

const HPP_PAGE = /^\/hpp\/([A-Za-z0-9]+)\/?$/
const HPP_PAY = /^\/hpp\/([A-Za-z0-9]+)\/pay$/
const THREE_DS_PAGE = /^\/3ds\/([A-Za-z0-9_-]+)\/?$/
const THREE_DS_COMPLETE = /^\/3ds\/([A-Za-z0-9_-]+)\/complete$/

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const host = opts.host ?? "127.0.0.1"
  const credentials = { ...(opts.credentials ?? DEFAULT_SANDBOX_CREDENTIALS) }
  const quiet = opts.quiet ?? true
  // Every switch is also a start option (SandboxOptions extends Partial<SandboxConfig>).
  const switches = Object.fromEntries(
    (Object.keys(DEFAULT_SANDBOX_CONFIG) as (keyof SandboxConfig)[]).map((k) => [k, opts[k]]),
  ) as Partial<SandboxConfig>
  const initialConfig: SandboxConfig = { ...DEFAULT_SANDBOX_CONFIG, ...pickConfig(switches) }
  const config: SandboxConfig = { ...initialConfig }
  const state = new SandboxState()
  const faults = new FaultBook()
  const holds = new Holds()
  const webhooks = new WebhookSender(
    (d) => state.logWebhook(d),
    () => ({ duplicates: config.webhookDuplicates, delayMs: config.webhookDelayMs }),
  )
  let url = ""

  const ctx: GatewayCtx = {
    state,
    faults,
    webhooks,
    holds,
    credentials,
    config,
    baseUrl: () => url,
    settle(id, outcome) {
      const challenge = state.txns.get(id)?.threeDsToken
      const ch = challenge ? state.challenges.get(challenge) : undefined
      if (ch && !ch.completed) {
        completeChallenge(ctx, ch, outcome === "succeeded" ? "pass" : "fail")
        return
      }
      if (state.settle(id, outcome)) {
        const t = state.txns.get(id)
        if (t) notifyWebhook(ctx, t)
      }
    },
  }

  const reset = (): void => {
    holds.clearAll()
    webhooks.cancelAll()
    faults.clear()
    state.reset()
    Object.assign(config, initialConfig)
  }

  const server = http.createServer((req, res) => {
    if (!quiet) {
      const started = Date.now()
      res.on("finish", () => console.log(`${req.method} ${req.url} → ${res.statusCode} (${Date.now() - started} ms)`))
    }
    dispatch(ctx, req, res, reset).catch((e: unknown) => {
      const status = e instanceof BodyError ? e.status : 500
      if (status === 500 && !quiet) console.error("sandbox: handler error", e)
      sendJson(res, status, { message: status === 500 ? "Internal server error" : (e as Error).message })
    })
  })
  // Held (timeout-fault) responses must not be cut short by Node's own request timeout.
  server.requestTimeout = 0
  server.headersTimeout = 60_000
  // Outlive client agents' idle-socket timeouts so reused keep-alive sockets are not reset mid-request.
  server.keepAliveTimeout = 65_000

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  const urlHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host
  url = `http://${urlHost}:${port}`

  let closing: Promise<void> | undefined
  return {
    url,
    credentials,
    close() {
      closing ??= new Promise<void>((resolve) => {
        holds.clearAll()
        webhooks.close()
        server.close(() => resolve())
        server.closeAllConnections() // keep-alive sockets would otherwise delay close()
      })
      return closing
    },
    addFault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    transactions: () => [...state.txns.values()].map(publicTxn),
    transaction: (id) => {
      const t = state.txns.get(id)
      return t ? publicTxn(t) : undefined
    },
    requests: () => state.requestLog.slice(),
    webhooks: () => state.webhookLog.slice(),
    settle: (id, outcome) => ctx.settle(id, outcome),
    reset,
    configure: (partial) => {
      Object.assign(config, pickConfig(partial))
      return { ...config }
    },
    config: () => ({ ...config }),
  }
}

async function dispatch(ctx: GatewayCtx, req: http.IncomingMessage, res: http.ServerResponse, reset: () => void): Promise<void> {
  const path = new URL(req.url ?? "/", "http://sandbox").pathname
  if (path.startsWith(PREFIX + "/")) return handleGateway(ctx, req, res, path.slice(PREFIX.length))
  if (path === CONTROL_PREFIX || path.startsWith(CONTROL_PREFIX + "/")) {
    return handleControl(ctx, req, res, path.slice(CONTROL_PREFIX.length), reset)
  }
  let m = HPP_PAY.exec(path)
  if (m && req.method === "POST") return handleHppPay(ctx, req, res, m[1])
  m = HPP_PAGE.exec(path)
  if (m && req.method === "GET") return serveHppPage(ctx, res, m[1])
  m = THREE_DS_COMPLETE.exec(path)
  if (m && req.method === "POST") return handleThreeDsComplete(ctx, req, res, m[1])
  m = THREE_DS_PAGE.exec(path)
  if (m && req.method === "GET") return serveThreeDsPage(ctx, res, m[1])
  req.resume() // drain so the keep-alive connection stays usable
  sendJson(res, 404, { message: "Not Found" })
}
