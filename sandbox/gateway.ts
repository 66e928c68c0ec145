// The documented S2S API under P = /api/v1/server-to-server-interface: auth, request log,
// routing, fault lookup.
import type { IncomingMessage, ServerResponse } from "http"
import type { GatewayCtx, Mode, OpResult } from "./context"
import { validation } from "./envelope"
import { generateLink } from "./hpp"
import { BodyError, parseBody, readBody, sendJson } from "./http-util"
import { authorizeOrSell, capture, refund, status, voidAuth } from "./operations"
import { runOp } from "./run-op"
import type { FaultOp } from "./types"

export const PREFIX = "/api/v1/server-to-server-interface"
const STATUS_PATH = "/transaction/status/"

type Body = Record<string, unknown>
interface Route {
  op: Exclude<FaultOp, "any">
  /** authorization/payment record a declined transaction on a decline fault. */
  declineCommits: boolean
  exec: (ctx: GatewayCtx, body: Body, mode: Mode) => OpResult
}

const POST_ROUTES: Record<string, Route> = {
  "/authorization": { op: "authorization", declineCommits: true, exec: (c, b, m) => authorizeOrSell(c, b, "authorization", m) },
  "/authorizationv2": { op: "authorization", declineCommits: true, exec: (c, b, m) => authorizeOrSell(c, b, "authorization", m, { v2: true }) },
  "/payment": { op: "payment", declineCommits: true, exec: (c, b, m) => authorizeOrSell(c, b, "payment", m) },
  "/paymentv2": { op: "payment", declineCommits: true, exec: (c, b, m) => authorizeOrSell(c, b, "payment", m, { v2: true }) },
  "/capture": { op: "capture", declineCommits: false, exec: capture },
  "/refund": { op: "refund", declineCommits: false, exec: refund },
  "/void": { op: "void", declineCommits: false, exec: voidAuth },
  "/hpp/generate/link": { op: "hpp", declineCommits: false, exec: (c, b) => generateLink(c, b) },
}

function redactedHeaders(req: IncomingMessage): Record<string, string | string[] | undefined> {
  const h: Record<string, string | string[] | undefined> = { ...req.headers }
  if (h.authorization !== undefined) h.authorization = "<redacted>"
  if (h["x-api-key"] !== undefined) h["x-api-key"] = "<redacted>"
  return h
}

/** `sub` is the path after PREFIX, e.g. "/refund". */
export async function handleGateway(ctx: GatewayCtx, req: IncomingMessage, res: ServerResponse, sub: string): Promise<void> {
  const raw = await readBody(req)
  let body: Body | undefined
  let bodyError: BodyError | undefined
  try {
    body = parseBody(raw, req.headers["content-type"])
  } catch (e) {
    if (!(e instanceof BodyError)) throw e
    bodyError = e
  }
  ctx.state.logRequest({
    method: req.method ?? "GET",
    path: PREFIX + sub,
    headers: redactedHeaders(req),
    body: body ?? raw,
    at: new Date().toISOString(),
  })

  // AWS API Gateway checks the usage-plan key first (403), then the Basic credential (401).
  if (req.headers["x-api-key"] !== ctx.credentials.xApiKey) return sendJson(res, 403, { message: "Forbidden" })
  if (req.headers.authorization !== `Basic ${ctx.credentials.apiKey}`) return sendJson(res, 401, { message: "Unauthorized" })

  if (req.method === "GET" && sub.startsWith(STATUS_PATH)) {
    const id = decodeURIComponent(sub.slice(STATUS_PATH.length))
    if (id === "" || id.includes("/")) return sendJson(res, 404, { message: "Not Found" })
    const fault = ctx.faults.take("status", id)
    return runOp(ctx, req, res, fault, { declineCommits: false }, (mode) => status(ctx, id, mode))
  }

  const route = req.method === "POST" ? POST_ROUTES[sub] : undefined
  if (!route) return sendJson(res, 404, { message: "Not Found" })
  if (!body) {
    const f = validation(bodyError?.message ?? "Malformed request body")
    return sendJson(res, bodyError?.status === 413 ? 413 : f.status, f.body)
  }
  if (body.merchant_id !== ctx.credentials.merchantId) {
    const f = validation("Invalid merchant_id")
    return sendJson(res, f.status, f.body)
  }
  const txnId = typeof body.transactionId === "string" ? body.transactionId : undefined
  const fault = ctx.faults.take(route.op, txnId)
  const b = body
  runOp(ctx, req, res, fault, { declineCommits: route.declineCommits }, (mode) => route.exec(ctx, b, mode))
}
