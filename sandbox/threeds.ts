// 3-D Secure challenge (API.md §5.3): the shopper-facing page at /3ds/<token> and its completion.
// The challenge is opened by P/authorizationv2 / P/paymentv2 for THREE_DS_CARD (operations.ts).
import type { IncomingMessage, ServerResponse } from "http"
import type { GatewayCtx } from "./context"
import { esc, layout, renderMessagePage } from "./hpp-page"
import { BodyError, parseBody, readBody, redirect, sendHtml, sendJson, wantsJson } from "./http-util"
import { formatMajor } from "./money"
import { issueToken, statusEnvelope, notifyWebhook } from "./operations"
import type { ThreeDsChallenge, TxnRecord } from "./state"
import type { ThreeDsOutcome } from "./types"

/** Acquirer code of a failed authentication (API.md §8: 937 "Card authentication failed"). */
export const THREE_DS_FAILED_CODE = 937

export function renderThreeDsPage(ch: ThreeDsChallenge, t: TxnRecord): string {
  const action = `/3ds/${encodeURIComponent(ch.token)}/complete`
  const amount = formatMajor(t.amountMinor, t.currency)
  return layout(
    "3-D Secure authentication",
    `<h1>3-D Secure</h1>
<p>Confirm the payment of <strong>${esc(amount)} ${esc(t.currency)}</strong> with the ${esc(t.scheme)} card ending in
<code>${esc(t.card.number.slice(-4))}</code> (order <code>${esc(t.merchantTxnRef)}</code>).</p>
<p class="hint">PaymentOptions sandbox issuer challenge — no real bank is contacted.</p>
<form method="post" action="${action}">
<button type="submit" name="outcome" value="pass">Authenticate</button>
<button type="submit" name="outcome" value="fail">Fail authentication</button>
</form>`,
  )
}

/** GET /3ds/:token */
export function serveThreeDsPage(ctx: GatewayCtx, res: ServerResponse, token: string): void {
  const ch = ctx.state.challenges.get(token)
  const t = ch ? ctx.state.txns.get(ch.txnId) : undefined
  if (!ch || !t) return sendHtml(res, 404, renderMessagePage("Challenge not found", "This 3-D Secure challenge does not exist."))
  if (ch.completed) return sendHtml(res, 409, renderMessagePage("Challenge already completed", "This 3-D Secure challenge has already been completed."))
  sendHtml(res, 200, renderThreeDsPage(ch, t))
}

/**
 * Settles the challenged transaction: pass → succeeded (response_code 0, INFO0000; a requested
 * token is issued now); fail → declined with 937 (gateway ERR0204). Then the webhook (status
 * envelope) goes to return_url.webhook_url, if any. Returns the transaction.
 */
export function completeChallenge(ctx: GatewayCtx, ch: ThreeDsChallenge, outcome: ThreeDsOutcome): TxnRecord | undefined {
  ch.completed = true
  const t = ctx.state.txns.get(ch.txnId)
  if (!t || t.status !== "pending") return t
  if (outcome === "pass") {
    if (ch.storePaymentMethod && !t.storedPaymentMethodId) t.storedPaymentMethodId = issueToken(ctx, t.card, t.scheme)
    ctx.state.settle(t.id, "succeeded")
    t.threeDs = "passed"
  } else {
    ctx.state.settle(t.id, "declined", THREE_DS_FAILED_CODE)
    t.threeDs = "failed"
  }
  notifyWebhook(ctx, t)
  return t
}

/** POST /3ds/:token/complete — form or JSON `{ outcome: "pass" | "fail" }`. */
export async function handleThreeDsComplete(ctx: GatewayCtx, req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
  let body: Record<string, unknown>
  try {
    body = parseBody(await readBody(req), req.headers["content-type"])
  } catch (e) {
    const status = e instanceof BodyError ? e.status : 400
    return sendJson(res, status, { message: (e as Error).message })
  }
  const ch = ctx.state.challenges.get(token)
  if (!ch || !ctx.state.txns.has(ch.txnId)) return sendJson(res, 404, { message: "Challenge not found" })
  if (ch.completed) return sendJson(res, 409, { message: "Challenge already completed" })
  const outcome = body.outcome
  if (outcome !== "pass" && outcome !== "fail") return sendJson(res, 400, { message: 'outcome must be "pass" or "fail"' })

  const t = completeChallenge(ctx, ch, outcome)
  if (!t) return sendJson(res, 404, { message: "Challenge not found" })
  const to = t.status === "succeeded" ? ch.successUrl : ch.declineUrl
  if (!wantsJson(req)) return redirect(res, to)
  sendJson(res, 200, { redirect_url: to, transaction: statusEnvelope(ctx, t) })
}
