// Server-to-server operations (API.md §5.1-5.7). Each validates, then commits at most one
// transaction; nothing is written before every check has passed.
import { randomUUID } from "crypto"
import { declineCodeFor, isPan, schemeOf } from "./cards"
import { fail, type GatewayCtx, type Mode, type OpResult } from "./context"
import { failure, notFound, overBalance, transactionEnvelope, validation, wrongState } from "./envelope"
import { isObject, str } from "./http-util"
import { isCurrency, parseAmount } from "./money"
import { isCapturedTxn, type TxnRecord } from "./state"
import type { SandboxCard, TransactionType } from "./types"

type Body = Record<string, unknown>

const MAX_NOTES = 128
const MAX_TXN_REF = 45

export function isPendingMode(m: Mode): m is "unclear" | "pending" {
  return m === "unclear" || m === "pending"
}

/** Answer for a freshly committed transaction (201), honouring unclear/pending faults. */
export function postAnswer(ctx: GatewayCtx, t: TxnRecord, mode: Mode): OpResult {
  const immediate = isPendingMode(mode) ? mode : undefined
  const body = transactionEnvelope(t, { merchantId: ctx.credentials.merchantId, statusCode: 201, immediate })
  return { ok: true, status: 201, body, txn: t }
}

/** Webhook body = what a status lookup would answer now. */
export function notifyWebhook(ctx: GatewayCtx, t: TxnRecord): void {
  if (!t.webhookUrl) return
  ctx.webhooks.send(t.webhookUrl, transactionEnvelope(t, { merchantId: ctx.credentials.merchantId, statusCode: 200, forStatus: true }))
}

export function validMerchantTxnRef(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_TXN_REF
}

/** Card from `card` or from a stored token (`payment_method.stored_payment_method_id`). */
function readCard(ctx: GatewayCtx, body: Body, t: TransactionType): { card: SandboxCard; scheme: string; tokenId?: string } | OpResult {
  const pm = isObject(body.payment_method) ? body.payment_method : {}
  const tokenId = pm.stored_payment_method_id
  if (tokenId !== undefined && tokenId !== null && tokenId !== "") {
    const stored = typeof tokenId === "string" ? ctx.state.tokens.get(tokenId) : undefined
    if (!stored) return fail(validation("Invalid stored_payment_method_id", t))
    return { card: { ...stored.card }, scheme: stored.scheme, tokenId: tokenId as string }
  }
  const c = isObject(body.card) ? body.card : undefined
  if (!c || !isPan(c.number)) return fail(validation("Invalid card.number", t))
  const card: SandboxCard = {
    name: str(c.name) ?? "",
    number: c.number,
    exp_month: str(c.expiry_month) ?? str(c.exp_month) ?? "",
    exp_year: str(c.expiry_year) ?? str(c.exp_year) ?? "",
  }
  return { card, scheme: schemeOf(card.number) }
}

/** POST authorization(v2) → PRE_AUTH; POST payment(v2) → sale (CAPTURE). */
export function authorizeOrSell(ctx: GatewayCtx, body: Body, kind: "authorization" | "payment", mode: Mode): OpResult {
  const type: TransactionType = kind === "authorization" ? "PRE_AUTH" : "CAPTURE"
  if (!isCurrency(body.currency)) return fail(validation("Invalid currency", type))
  const amountMinor = parseAmount(body.amount, body.currency)
  if (amountMinor === null) return fail(validation("Invalid amount", type))
  if (!validMerchantTxnRef(body.merchant_txn_ref)) return fail(validation("Invalid merchant_txn_ref", type))
  const rc = isObject(body.return_url) ? body.return_url : {}
  if (rc.webhook_url !== undefined && typeof rc.webhook_url !== "string") return fail(validation("Invalid return_url.webhook_url", type))
  const read = readCard(ctx, body, type)
  if ("ok" in read) return read

  const declineCode = mode === "decline" ? 5 : declineCodeFor(read.card)
  const status = declineCode ? "declined" : isPendingMode(mode) ? "pending" : "succeeded"
  const pm = isObject(body.payment_method) ? body.payment_method : {}
  let tokenId = read.tokenId
  if (!tokenId && pm.store_payment_method === true && status !== "declined") {
    tokenId = randomUUID()
    ctx.state.tokens.set(tokenId, { card: { ...read.card }, scheme: read.scheme })
  }
  const t = ctx.state.addTxn({
    type,
    source: kind,
    status,
    responseCode: declineCode,
    amountMinor,
    currency: body.currency,
    merchantTxnRef: body.merchant_txn_ref,
    card: read.card,
    scheme: read.scheme,
    webhookUrl: typeof rc.webhook_url === "string" && rc.webhook_url ? rc.webhook_url : undefined,
    storedPaymentMethodId: tokenId,
  })
  notifyWebhook(ctx, t)
  return postAnswer(ctx, t, mode)
}

function readNotes(body: Body, t: TransactionType): string | undefined | OpResult {
  if (body.notes === undefined || body.notes === null) return undefined
  if (typeof body.notes !== "string" || body.notes.length > MAX_NOTES) {
    return fail(validation(`Invalid notes (max ${MAX_NOTES} characters)`, t))
  }
  return body.notes
}

/** Common start of capture/refund/void: the referenced transaction. */
function lookupParent(ctx: GatewayCtx, body: Body, t: TransactionType): TxnRecord | OpResult {
  const id = body.transactionId
  if (typeof id !== "string" || id === "") return fail(validation("transactionId is required", t))
  return ctx.state.txns.get(id) ?? fail(notFound(t))
}

const isResult = (v: unknown): v is OpResult => isObject(v) && typeof v.ok === "boolean"

export function capture(ctx: GatewayCtx, body: Body, mode: Mode): OpResult {
  const parent = lookupParent(ctx, body, "CAPTURE")
  if (isResult(parent)) return parent
  if (parent.type !== "PRE_AUTH" || parent.status !== "succeeded") {
    return fail(wrongState("Transaction is not capturable", "CAPTURE"))
  }
  if (parent.voidId) return fail(wrongState("Authorization has been voided", "CAPTURE"))
  if (parent.captureId) return fail(wrongState("Authorization already captured", "CAPTURE"))
  const amountMinor = parseAmount(body.amount, parent.currency)
  if (amountMinor === null) return fail(validation("Invalid amount", "CAPTURE"))
  if (amountMinor > parent.amountMinor) {
    return fail(failure(400, "VAL0035", "Amount greater than pre-authorised", { transactionType: "CAPTURE", responseCode: 836 }))
  }
  const notes = readNotes(body, "CAPTURE")
  if (isResult(notes)) return notes

  const t = ctx.state.addTxn({
    ...inherit(parent),
    type: "CAPTURE",
    source: "capture",
    status: isPendingMode(mode) ? "pending" : "succeeded",
    amountMinor,
    parentId: parent.id,
    notes,
  })
  parent.captureId = t.id // one capture per authorization; the remainder is released
  return postAnswer(ctx, t, mode)
}

export function refund(ctx: GatewayCtx, body: Body, mode: Mode): OpResult {
  const parent = lookupParent(ctx, body, "REFUND")
  if (isResult(parent)) return parent
  if (!isCapturedTxn(parent) || parent.status !== "succeeded") {
    return fail(wrongState("Transaction is not refundable", "REFUND"))
  }
  const amountMinor = parseAmount(body.amount, parent.currency)
  if (amountMinor === null) return fail(validation("Invalid amount", "REFUND"))
  const notes = readNotes(body, "REFUND")
  if (isResult(notes)) return notes
  // Pending refunds already sit in refundedMinor (a hold), so they count here too.
  if (parent.refundedMinor + amountMinor > parent.amountMinor) return fail(overBalance())

  const t = ctx.state.addTxn({
    ...inherit(parent),
    type: "REFUND",
    source: "refund",
    status: isPendingMode(mode) ? "pending" : "succeeded",
    amountMinor,
    parentId: parent.id,
    notes,
  })
  parent.refundedMinor += amountMinor
  parent.refundIds.push(t.id)
  return postAnswer(ctx, t, mode)
}

export function voidAuth(ctx: GatewayCtx, body: Body, mode: Mode): OpResult {
  const parent = lookupParent(ctx, body, "VOID")
  if (isResult(parent)) return parent
  if (parent.type !== "PRE_AUTH" || parent.status !== "succeeded") {
    return fail(wrongState("Transaction is not voidable", "VOID"))
  }
  if (parent.captureId) return fail(wrongState("Authorization already captured; refund instead", "VOID"))
  if (parent.voidId) return fail(wrongState("Authorization already voided", "VOID"))

  const t = ctx.state.addTxn({
    ...inherit(parent),
    type: "VOID",
    source: "void",
    status: isPendingMode(mode) ? "pending" : "succeeded",
    amountMinor: parent.amountMinor,
    parentId: parent.id,
  })
  parent.voidId = t.id
  return postAnswer(ctx, t, mode)
}

/** GET transaction/status/:id — unclear/pending faults only change the answer, not the state. */
export function status(ctx: GatewayCtx, id: string, mode: Mode): OpResult {
  const t = ctx.state.txns.get(id)
  if (!t) return fail(notFound())
  const immediate = isPendingMode(mode) ? mode : undefined
  const body = transactionEnvelope(t, { merchantId: ctx.credentials.merchantId, statusCode: 200, forStatus: true, immediate })
  return { ok: true, status: 200, body, txn: t }
}

/** Follow-up transactions carry the original's currency, card, scheme and merchant_txn_ref. */
function inherit(p: TxnRecord) {
  return {
    currency: p.currency,
    merchantTxnRef: p.merchantTxnRef,
    card: { ...p.card },
    scheme: p.scheme,
    storedPaymentMethodId: p.storedPaymentMethodId,
  }
}
