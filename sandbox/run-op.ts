// Applies an (optional) injected fault around one operation: some faults answer without
// committing, others commit first and then lie, stall or answer "unclear".
import type { IncomingMessage, ServerResponse } from "http"
import type { GatewayCtx, Mode, OpResult } from "./context"
import { overBalance, plain, wrongState, type Failure } from "./envelope"
import { DEFAULT_HOLD_MS } from "./faults"
import { redirect, sendJson, wantsJson } from "./http-util"
import type { FaultSpec } from "./types"

const INTERNAL_ERROR = plain(500, "Internal server error")

const PRE_COMMIT_ANSWER: Partial<Record<FaultSpec["fault"], Failure>> = {
  over_balance: overBalance(),
  unauthorized: plain(401, "Unauthorized"),
  server_error: INTERNAL_ERROR,
  bad_gateway: plain(502, "Bad Gateway"),
  gateway_timeout: plain(504, "Endpoint request timed out"),
}

export interface RunOpts {
  /** authorization/payment/HPP pay record a declined transaction; others just reject. */
  declineCommits: boolean
}

export function runOp(
  ctx: GatewayCtx,
  req: IncomingMessage,
  res: ServerResponse,
  fault: FaultSpec | undefined,
  opts: RunOpts,
  exec: (mode: Mode) => OpResult,
): void {
  const delay = fault?.delayMs ?? 0
  const answer = (r: OpResult): void =>
    ctx.holds.after(delay, res, () => {
      if (!r.ok) return sendJson(res, r.failure.status, r.failure.body)
      if (r.redirect && !wantsJson(req)) return redirect(res, r.redirect)
      sendJson(res, r.status, r.body)
    })
  const reject = (f: Failure): void => answer({ ok: false, failure: f })

  if (!fault) return answer(exec("normal"))
  const holdMs = fault.delayMs ?? DEFAULT_HOLD_MS

  switch (fault.fault) {
    case "decline":
      if (opts.declineCommits) return answer(exec("decline"))
      return reject(wrongState("Invalid transaction"))
    case "over_balance":
    case "unauthorized":
    case "server_error":
    case "bad_gateway":
    case "gateway_timeout":
      return reject(PRE_COMMIT_ANSWER[fault.fault] as Failure)
    case "timeout_before":
      return ctx.holds.hold(res, holdMs)
    case "timeout_after":
      exec("normal")
      return ctx.holds.hold(res, holdMs)
    case "server_error_after_commit":
      exec("normal")
      return reject(INTERNAL_ERROR)
    case "malformed": {
      const r = exec("normal")
      if (!r.ok) return answer(r)
      return answer({ ok: true, status: 201, body: { ok: true, result: "accepted", txn: r.txn?.id ?? null } })
    }
    case "unclear":
    case "pending":
    case "in_progress": {
      const r = exec(fault.fault)
      if (r.ok && r.txn?.status === "pending" && fault.settleAfterMs !== undefined) {
        const id = r.txn.id
        const outcome = fault.settleOutcome ?? "succeeded"
        ctx.holds.timer(fault.settleAfterMs, () => {
          // A manual settle may have come first; that is fine.
          if (ctx.state.txns.get(id)?.status === "pending") ctx.settle(id, outcome)
        })
      }
      return answer(r)
    }
  }
}
