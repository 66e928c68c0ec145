// /__sandbox/* control API for tests and curl. No auth: the server binds to loopback.
import type { IncomingMessage, ServerResponse } from "http"
import { pickConfig, validateConfig } from "./config"
import type { GatewayCtx } from "./context"
import { validateFault } from "./faults"
import { parseBody, readBody, sendJson } from "./http-util"
import { publicTxn } from "./state"
import type { FaultSpec, SandboxConfig } from "./types"

export const CONTROL_PREFIX = "/__sandbox"

/** `sub` is the path after CONTROL_PREFIX. `reset` clears state, faults, timers. */
export async function handleControl(
  ctx: GatewayCtx,
  req: IncomingMessage,
  res: ServerResponse,
  sub: string,
  reset: () => void,
): Promise<void> {
  const method = req.method ?? "GET"
  const body = method === "POST" ? parseBody(await readBody(req), req.headers["content-type"]) : {}
  const { state } = ctx

  if (sub === "/faults") {
    if (method === "GET") return sendJson(res, 200, ctx.faults.list())
    if (method === "DELETE") {
      ctx.faults.clear()
      return sendJson(res, 204, undefined)
    }
    if (method === "POST") {
      const err = validateFault(body)
      if (err) return sendJson(res, 400, { message: err })
      ctx.faults.add(body as unknown as FaultSpec)
      return sendJson(res, 201, body)
    }
  }
  if (sub === "/config") {
    if (method === "GET") return sendJson(res, 200, ctx.config)
    if (method === "POST") {
      // Same fields as SandboxConfig; omitted fields keep their value.
      const err = validateConfig(body)
      if (err) return sendJson(res, 400, { message: err })
      Object.assign(ctx.config, pickConfig(body as Partial<SandboxConfig>))
      return sendJson(res, 200, ctx.config)
    }
  }
  if (sub === "/transactions" && method === "GET") {
    return sendJson(res, 200, [...state.txns.values()].map(publicTxn))
  }
  const m = /^\/transactions\/([^/]+)(\/settle)?$/.exec(sub)
  if (m) {
    const id = decodeURIComponent(m[1])
    const t = state.txns.get(id)
    if (!t) return sendJson(res, 404, { message: "Transaction not found" })
    if (!m[2] && method === "GET") return sendJson(res, 200, publicTxn(t))
    if (m[2] && method === "POST") {
      const outcome = body.outcome
      if (outcome !== "succeeded" && outcome !== "declined") {
        return sendJson(res, 400, { message: "outcome must be succeeded or declined" })
      }
      try {
        ctx.settle(id, outcome)
      } catch (e) {
        return sendJson(res, 409, { message: (e as Error).message })
      }
      return sendJson(res, 200, publicTxn(t))
    }
  }
  if (sub === "/requests" && method === "GET") return sendJson(res, 200, state.requestLog)
  if (sub === "/webhooks" && method === "GET") return sendJson(res, 200, state.webhookLog)
  if (sub === "/reset" && method === "POST") {
    reset()
    return sendJson(res, 204, undefined)
  }
  sendJson(res, 404, { message: "Not Found" })
}
