import { MedusaError } from "@medusajs/framework/utils"
import { OperationConflictError, OperationRecord } from "../../modules/paymentoptions/types"
import { currencyOf, expectedFor, sessionIdOf } from "./checkout"
import type { GatewayContext } from "./context"
import { PaymentOptionsError, toMedusaError } from "./errors"
import { errorFacts, isUnsettled, notes, pollStatus, settledPatch, statusOf } from "./gateway-ops"
import { PaymentOptionsData } from "./payment-data"
import type { TransactionEnvelope } from "./schemas"
import { transactionMismatch } from "./verify"

/**
 * What happens to a PRE_AUTH after checkout: one capture (the gateway captures once and releases the rest) or one
 * void. Each is logged before it is sent and keyed by the authorization, so a retry, a second click or a webhook
 * can only ever find the first attempt, never start a second one while it is unsettled.
 */

/** The session's succeeded PRE_AUTH, or undefined. */
export async function authorizationOf(ctx: GatewayContext, data: PaymentOptionsData): Promise<OperationRecord | undefined> {
  const ops = await ctx.store.operationsWhere({ session_id: sessionIdOf(data), kind: ["pre_auth"] })
  return ops.filter((op) => op.status === "succeeded" && op.transaction_id).at(-1)
}

async function followUps(ctx: GatewayContext, authorization: OperationRecord, kind: "capture" | "void") {
  return ctx.store.operationsWhere({ parent_transaction_id: authorization.transaction_id!, kind: [kind] })
}

/** A PRE_AUTH whose hold a succeeded void released (e.g. after an amount change): no longer the session's card payment. */
export async function isReleased(ctx: GatewayContext, op: OperationRecord): Promise<boolean> {
  if (op.kind !== "pre_auth" || op.status !== "succeeded" || !op.transaction_id) return false
  return (await followUps(ctx, op, "void")).some((v) => v.status === "succeeded")
}

/** Settles an unsettled capture or void: by its own id, else by a verified webhook of that type for the session. */
async function settleFollowUp(ctx: GatewayContext, data: PaymentOptionsData, op: OperationRecord): Promise<OperationRecord> {
  const type = op.kind === "capture" ? "CAPTURE" : "VOID"
  const ids = op.transaction_id
    ? [op.transaction_id]
    : (await ctx.store.webhookTransactionsOf(op.session_id)).filter((w) => w.type === type).map((w) => w.transaction_id)
  for (const id of ids) {
    const envelope = await statusOf(ctx, id)
    if (!envelope) continue
    if (op.kind === "capture" && transactionMismatch(envelope, expectedFor(ctx, data, "capture"))) continue
    const patch = settledPatch(envelope)
    if (patch.status === "pending" && op.transaction_id) return op
    return ctx.store.updateOperation(op.id, patch)
  }
  return op
}

export type FollowUpResult =
  | { status: "succeeded"; operation: OperationRecord }
  | { status: "unknown"; operation: OperationRecord }

/**
 * Captures the authorized amount once. A capture that already succeeded is returned (a retried capture sends
 * nothing); one whose outcome is unknown is settled, never resent. Throws on a decline.
 */
export async function captureAuthorization(
  ctx: GatewayContext,
  data: PaymentOptionsData,
  authorization: OperationRecord,
  medusaCaptureId?: string | null
): Promise<FollowUpResult> {
  return followUp(ctx, data, authorization, "capture", medusaCaptureId)
}

export async function voidAuthorization(ctx: GatewayContext, data: PaymentOptionsData, authorization: OperationRecord): Promise<FollowUpResult> {
  return followUp(ctx, data, authorization, "void", null)
}

async function followUp(
  ctx: GatewayContext,
  data: PaymentOptionsData,
  authorization: OperationRecord,
  kind: "capture" | "void",
  medusaId: string | null | undefined
): Promise<FollowUpResult> {
  const other = kind === "capture" ? "void" : "capture"
  const done = (await followUps(ctx, authorization, other)).find((op) => op.status === "succeeded")
  if (done) {
    throw new MedusaError(
      MedusaError.Types.NOT_ALLOWED,
      kind === "capture"
        ? `PaymentOptions: the authorization of payment session ${authorization.session_id} was voided; it cannot be captured.`
        : `PaymentOptions: the authorization of payment session ${authorization.session_id} is already captured; a captured payment cannot be voided, refund it instead.`
    )
  }
  // Nothing else is sent for an authorization while its capture or void has an unknown outcome.
  const otherOpen = (await followUps(ctx, authorization, other)).find(isUnsettled)
  if (otherOpen) {
    const settled = await settleFollowUp(ctx, data, otherOpen)
    if (settled.status === "succeeded") return followUp(ctx, data, authorization, kind, medusaId)
    if (settled.status !== "declined") {
      throw new MedusaError(
        MedusaError.Types.NOT_ALLOWED,
        `PaymentOptions: the ${other} of the authorization of payment session ${authorization.session_id} has an unknown outcome at the gateway; ` +
          `no ${kind} is sent until it is settled (it settles from Transaction Status or the gateway's webhook).`
      )
    }
  }
  const ops = await followUps(ctx, authorization, kind)
  const succeeded = ops.find((op) => op.status === "succeeded")
  if (succeeded) return { status: "succeeded", operation: succeeded }
  const open = ops.find(isUnsettled)
  if (open) {
    const settled = await settleFollowUp(ctx, data, open)
    if (settled.status === "succeeded") return { status: "succeeded", operation: settled }
    if (settled.status !== "declined") return { status: "unknown", operation: settled }
  }

  let operation: OperationRecord
  let created: boolean
  try {
    ;({ operation, created } = await ctx.store.beginOperation({
      key: `${kind}:${authorization.transaction_id}:${ops.length + 1}`,
      kind,
      provider_id: ctx.providerId,
      session_id: sessionIdOf(data),
      medusa_id: medusaId ?? null,
      parent_transaction_id: authorization.transaction_id,
      amount: authorization.amount,
      currency_code: currencyOf(data),
    }))
  } catch (error) {
    if (error instanceof OperationConflictError) return { status: "unknown", operation: error.blocking }
    throw error
  }
  if (!created) {
    // Lost a race to a concurrent call for the same attempt: report what that one recorded.
    return operation.status === "succeeded" ? { status: "succeeded", operation } : { status: "unknown", operation }
  }
  try {
    const envelope: TransactionEnvelope =
      kind === "capture"
        ? await ctx.client.capture({
            transactionId: authorization.transaction_id!,
            amount: authorization.amount,
            merchant_id: ctx.options.merchantId,
            notes: notes("Medusa capture", medusaId ?? sessionIdOf(data)),
          })
        : await ctx.client.void({ transactionId: authorization.transaction_id!, merchant_id: ctx.options.merchantId })
    const settled = await ctx.store.updateOperation(operation.id, settledPatch(envelope))
    return { status: "succeeded", operation: settled }
  } catch (error) {
    if (error instanceof PaymentOptionsError && error.kind === "outcome_unknown") {
      let unknown = await ctx.store.updateOperation(operation.id, { ...errorFacts(error), status: "unknown" })
      if (unknown.transaction_id) {
        const envelope = await pollStatus(ctx, unknown.transaction_id, ctx.options.refundSettleTimeoutMs)
        if (envelope) unknown = await ctx.store.updateOperation(unknown.id, settledPatch(envelope))
      }
      if (unknown.status === "succeeded") return { status: "succeeded", operation: unknown }
      if (unknown.status !== "declined") {
        ctx.logger.warn(
          `PaymentOptions ${kind} of the authorization of payment session ${authorization.session_id} has an unknown outcome ` +
            `(${error.message}); recorded, NOT resent. It is settled from Transaction Status or the gateway's webhook.`
        )
        return { status: "unknown", operation: unknown }
      }
      throw new MedusaError(MedusaError.Types.NOT_ALLOWED, `PaymentOptions ${kind} was declined (${unknown.code ?? "no code"}: ${unknown.message ?? ""}).`)
    }
    const facts = error instanceof PaymentOptionsError ? errorFacts(error) : { message: (error as Error).message }
    await ctx.store.updateOperation(operation.id, { ...facts, status: "declined", settled_at: new Date().toISOString() })
    throw toMedusaError(error)
  }
}

export function unknownOutcome(kind: "capture" | "void", op: OperationRecord): MedusaError {
  return new MedusaError(
    MedusaError.Types.UNEXPECTED_STATE,
    `PaymentOptions ${kind} ${op.id} has an unknown outcome at the gateway${op.transaction_id ? ` (transaction ${op.transaction_id})` : ""}; ` +
      "it was NOT sent again. It is settled from Transaction Status or the gateway's webhook; try again later, or resolve it " +
      "from the PaymentOptions portal (its notes carry the Medusa id)."
  )
}
