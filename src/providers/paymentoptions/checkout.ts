import { MedusaError } from "@medusajs/framework/utils"
import { OperationConflictError, OperationRecord } from "../../modules/paymentoptions/types"
import type { GatewayContext } from "./context"
import { PaymentOptionsError, toMedusaError } from "./errors"
import { envelopeFacts, errorFacts, isUnsettled, pollStatus, settledPatch, shortId, statusOf } from "./gateway-ops"
import { PaymentOptionsData } from "./payment-data"
import { CardPayment, cardPaymentBody } from "./requests"
import type { TransactionEnvelope } from "./schemas"
import { outcomeOf } from "./status"
import { ExpectedTransaction, transactionMismatch } from "./verify"

/**
 * Card payments of a checkout (sale or PRE_AUTH, with card data, a saved card, or on the hosted page), each one an
 * operation in the log: written before it is sent, never sent again while its outcome is unknown, settled from
 * Transaction Status or the id a verified webhook named.
 */

export type CardKind = "sale" | "pre_auth"
export type CardSource = { card: CardPayment } | { token: string }

export const CARD_KINDS: CardKind[] = ["sale", "pre_auth"]

export function sessionIdOf(data: PaymentOptionsData): string {
  const id = data.merchant_txn_ref ?? data.session_id
  if (!id) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, "PaymentOptions: the payment data has no session id; it was not created by this provider.")
  }
  return id
}

export function currencyOf(data: PaymentOptionsData): string {
  if (!data.currency_code || !data.amount) {
    throw new MedusaError(MedusaError.Types.INVALID_DATA, "PaymentOptions: the payment data has no amount or currency; it was not created by this provider.")
  }
  return data.currency_code.toLowerCase()
}

export function expectedFor(ctx: GatewayContext, data: PaymentOptionsData, kind: CardKind | "capture"): ExpectedTransaction {
  return {
    sessionId: sessionIdOf(data),
    amount: data.amount!,
    currencyCode: currencyOf(data),
    merchantId: ctx.options.merchantId,
    types: kind === "pre_auth" ? ["PRE_AUTH"] : kind === "capture" ? ["CAPTURE"] : ["CAPTURE", "PRE_AUTH"],
  }
}

/** A verified envelope's patch for `op`, or a decline patch when it does not belong to this session. */
function verifiedPatch(ctx: GatewayContext, data: PaymentOptionsData, op: OperationRecord, envelope: TransactionEnvelope) {
  const problem = transactionMismatch(envelope, expectedFor(ctx, data, op.kind as CardKind))
  if (!problem) return settledPatch(envelope)
  ctx.logger.warn(
    `PaymentOptions: the gateway's ${op.kind.replace("_", "-")} transaction ${shortId(envelope.transaction_details?.id)} does not belong to payment session ${op.session_id} (${problem}); not accepted.`
  )
  return {
    status: "declined" as const,
    code: "MISMATCH",
    message: `The gateway's transaction does not match this payment (${problem}).`,
    settled_at: new Date().toISOString(),
  }
}

/** The session's latest card operation, settled first when its outcome was not known. */
export async function latestCardOperation(ctx: GatewayContext, data: PaymentOptionsData): Promise<OperationRecord | undefined> {
  const ops = await ctx.store.operationsWhere({ session_id: sessionIdOf(data), kind: CARD_KINDS })
  const last = ops.at(-1)
  return last && isUnsettled(last) ? settleCardOperation(ctx, data, last) : last
}

/**
 * Asks the gateway about an unsettled card operation: by its own id, else by an id a verified webhook named for the
 * session. Sends nothing but status lookups.
 */
export async function settleCardOperation(ctx: GatewayContext, data: PaymentOptionsData, op: OperationRecord): Promise<OperationRecord> {
  const ids = op.transaction_id
    ? [op.transaction_id]
    : (await ctx.store.webhookTransactionsOf(op.session_id)).filter((w) => w.type !== "REFUND" && w.type !== "VOID").map((w) => w.transaction_id)
  let best: { envelope: TransactionEnvelope; outcome: string } | undefined
  for (const id of ids) {
    const envelope = await statusOf(ctx, id)
    if (!envelope) continue
    const outcome = outcomeOf(envelope)
    if (outcome === "succeeded" && !transactionMismatch(envelope, expectedFor(ctx, data, op.kind as CardKind))) {
      best = { envelope, outcome }
      break
    }
    if (!best) best = { envelope, outcome }
  }
  if (!best) return op
  const patch = verifiedPatch(ctx, data, op, best.envelope)
  if (patch.status === "pending" && op.status === "pending" && op.transaction_id) return op
  return ctx.store.updateOperation(op.id, patch)
}

export interface StartedCardPayment {
  operation: OperationRecord
  /** The 3-D Secure page the shopper must open, when the gateway asked for a challenge. */
  challengeUrl?: string
}

/** One authorizationv2 / paymentv2 call, logged before it is sent; declines and challenges are answers, not errors. */
export async function startCardOperation(
  ctx: GatewayContext,
  data: PaymentOptionsData,
  source: CardSource,
  kind: CardKind,
  clientIp: string,
  webhookUrl: string
): Promise<StartedCardPayment> {
  const sessionId = sessionIdOf(data)
  const currencyCode = currencyOf(data)
  const previous = await ctx.store.operationsWhere({ session_id: sessionId, kind: CARD_KINDS })
  const saveFor = data.save_card && data.account_holder_id ? data.account_holder_id : null
  let operation: OperationRecord
  try {
    ;({ operation } = await ctx.store.beginOperation({
      key: `${kind}:${sessionId}:${previous.length + 1}`,
      kind,
      provider_id: ctx.providerId,
      session_id: sessionId,
      amount: data.amount!,
      currency_code: currencyCode,
      client_ip: clientIp,
      account_holder_id: saveFor,
    }))
  } catch (error) {
    if (error instanceof OperationConflictError) throw stillProcessing()
    throw error
  }
  const body = cardPaymentBody(
    ctx.options,
    { amount: data.amount!, currencyCode, sessionId, webhookUrl, clientIp, storeCard: !!saveFor },
    source
  )
  try {
    const answer = kind === "sale" ? await ctx.client.purchaseV2(body) : await ctx.client.authorizeV2(body)
    if (answer.kind === "challenge") {
      const id = answer.challenge.transaction_details?.id ?? null
      return {
        operation: await ctx.store.updateOperation(operation.id, { status: "pending", transaction_id: id, message: "3-D Secure challenge" }),
        challengeUrl: answer.challenge.redirect_url,
      }
    }
    return { operation: await ctx.store.updateOperation(operation.id, verifiedPatch(ctx, data, operation, answer.envelope)) }
  } catch (error) {
    if (!(error instanceof PaymentOptionsError)) {
      await ctx.store.updateOperation(operation.id, { status: "unknown", message: "the call failed before an answer could be read" })
      throw error
    }
    if (error.kind === "declined" || error.kind === "invalid_request") {
      return { operation: await ctx.store.updateOperation(operation.id, { ...errorFacts(error), status: "declined", settled_at: new Date().toISOString() }) }
    }
    if (error.kind === "outcome_unknown") {
      let unknown = await ctx.store.updateOperation(operation.id, { ...errorFacts(error), status: "unknown" })
      if (unknown.transaction_id) {
        const envelope = await pollStatus(ctx, unknown.transaction_id, ctx.options.refundSettleTimeoutMs)
        if (envelope) unknown = await ctx.store.updateOperation(unknown.id, verifiedPatch(ctx, data, unknown, envelope))
      }
      ctx.logger.warn(
        `PaymentOptions ${kind} for payment session ${sessionId} has an unknown outcome (${error.message}); recorded, NOT resent. ` +
          "It is settled from Transaction Status or the gateway's webhook."
      )
      return { operation: unknown }
    }
    // Not sent (unreachable) or refused credentials: nothing happened at the gateway.
    await ctx.store.updateOperation(operation.id, { ...errorFacts(error), status: "declined", settled_at: new Date().toISOString() })
    throw toMedusaError(error)
  }
}

export function stillProcessing(): MedusaError {
  return new MedusaError(
    MedusaError.Types.NOT_ALLOWED,
    "PaymentOptions: a card payment for this session is still being processed at the gateway; it is not sent again. " +
      "Try again in a moment: the result is taken from the gateway."
  )
}

/**
 * The hosted-page sale of a session, once the shopper paid: looked up by the link id (API.md §5.8 calls it the
 * transaction reference) and by every id a verified webhook named for the session, the succeeded one preferred,
 * and recorded as an operation. Undefined while nothing was paid; `declined` facts when only declines exist.
 */
export async function hostedSale(
  ctx: GatewayContext,
  data: PaymentOptionsData
): Promise<OperationRecord | { declined: TransactionEnvelope } | undefined> {
  const sessionId = sessionIdOf(data)
  const webhooks = await ctx.store.webhookTransactionsOf(sessionId)
  const ids = [...new Set([data.hpp_link_id, ...webhooks.filter((w) => w.type !== "REFUND" && w.type !== "VOID").map((w) => w.transaction_id)])].filter(
    (id): id is string => !!id
  )
  let pending: TransactionEnvelope | undefined
  let declined: TransactionEnvelope | undefined
  const expected = expectedFor(ctx, data, "sale")
  for (const id of ids) {
    const envelope = await statusOf(ctx, id)
    if (!envelope) continue
    const problem = transactionMismatch(envelope, expected)
    if (problem) {
      ctx.logger.warn(`PaymentOptions: transaction ${shortId(id)} does not belong to payment session ${sessionId} (${problem}); ignored.`)
      continue
    }
    const outcome = outcomeOf(envelope)
    if (outcome === "succeeded") return recordHostedSale(ctx, data, envelope)
    if (outcome === "pending") pending ??= envelope
    else declined ??= envelope
  }
  if (pending) return recordHostedSale(ctx, data, pending)
  return declined ? { declined } : undefined
}

async function recordHostedSale(ctx: GatewayContext, data: PaymentOptionsData, envelope: TransactionEnvelope): Promise<OperationRecord> {
  const sessionId = sessionIdOf(data)
  const id = envelope.transaction_details!.id
  const { operation } = await ctx.store.beginOperation({
    key: `sale:${sessionId}:hpp:${id}`,
    kind: "sale",
    provider_id: ctx.providerId,
    session_id: sessionId,
    amount: data.amount!,
    currency_code: currencyOf(data),
    account_holder_id: data.save_card && data.account_holder_id ? data.account_holder_id : null,
  })
  return isUnsettled(operation) ? ctx.store.updateOperation(operation.id, { ...settledPatch(envelope), ...envelopeFacts(envelope) }) : operation
}
