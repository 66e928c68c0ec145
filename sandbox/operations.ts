// Server-to-server operations (API.md §5.1-5.7). Each validates, then commits at most one
// transaction; nothing is written before every check has passed.
import { randomBytes, randomUUID } from "crypto"
import { declineCodeFor, isPan, isThreeDsCard, schemeOf } from "./cards"
import { fail, type GatewayCtx, type Mode, type OpResult } from "./context"
import { failure, notFound, overBalance, transactionEnvelope, validation, wrongState } from "./envelope"
import { isObject, str } from "./http-util"
import { isCurrency, parseAmount } from "./money"
import { isCapturedTxn, type TxnRecord } from "./state"
import type { SandboxCard, TransactionType } from "./types"

type Body = Record<string, unknown>

const MAX_NOTES = 128
const MAX_TXN_REF = 45

export function isPendingMode(m: Mode): m is "unclear" | "pending" | "in_progress" {
  return m === "unclear" || m === "pending" || m === "in_progress"
}

/** Answer for a freshly committed transaction (201), honouring unclear/pending faults. */
export function postAnswer(ctx: GatewayCtx, t: TxnRecord, mode: Mode): OpResult {
  const immediate = isPendingMode(mode) ? mode : undefined
  const body = transactionEnvelope(t, { merchantId: ctx.credentials.merchantId, statusCode: 201, immediate })
  return { ok: true, status: 201, body, txn: t }
}

/** Status-lookup envelope of a transaction as it is now (also the webhook body). */
export function statusEnvelope(ctx: GatewayCtx, t: TxnRecord): Record<string, unknown> {
  return transactionEnvelope(t, { merchantId: ctx.credentials.merchantId, statusCode: 200, forStatus: true })
}

/** Webhook body = what a status lookup would answer now. */
export function notifyWebhook(ctx: GatewayCtx, t: TxnRecord): void {
  if (!t.webhookUrl) return
  ctx.webhooks.send(t.webhookUrl, statusEnvelope(ctx, t), t.id)
}

/**
 * Stores a card and returns its stored_payment_method_id. Where the id appears is the
 * sandbox's choice (the real location is UNKNOWN, API.md §5.9):
 * `payment_details.additional_data.stored_payment_method_id` of the transaction envelope, i.e.
 * in the POST answer, in status lookups and in webhooks of the transaction that stored the card
 * (and of payments made with the token). For a 3-D Secure request it is only issued when the
 * challenge passes, so it first shows in the completion answer, the webhook and the status.
 */
export function issueToken(ctx: GatewayCtx, card: SandboxCard, scheme: string): string {
  const tokenId = randomUUID()
  ctx.state.tokens.set(tokenId, { card: { ...card }, scheme })
  return tokenId
}

export function validMerchantTxnRef(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= MAX_TXN_REF
}

/**
 * Card from `card` or from a stored token (`payment_method.stored_payment_method_id`); a token
 * payment echoes the stored card (full number, expiry, name) and scheme like a card payment.
 */
function readCard(ctx: GatewayCtx, body: Body, t: TransactionType): { card: SandboxCard; scheme: string; tokenId?: string } | OpResult {
  const pm = isObject(body.payment_method) ? body.payment_method : {}
  const tokenId = pm.stored_payment_method_id
  if (tokenId !== undefined && tokenId !== null && tokenId !== "") {
    if (typeof tokenId !== "string") return fail(validation("Invalid stored_payment_method_id", t))
    const stored = ctx.state.tokens.get(tokenId)
    if (!stored) return fail(validation("Unknown stored_payment_method_id", t))
    return { card: { ...stored.card }, scheme: stored.scheme, tokenId }
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

export interface AuthorizeOpts {
  /** P/authorizationv2 and P/paymentv2: 3-D Secure for THREE_DS_CARD. */
  v2?: boolean
}

/**
 * POST authorization(v2) → PRE_AUTH; POST payment(v2) → sale (CAPTURE).
 * v2 + THREE_DS_CARD (directly or through a token) needs return_url.success_url/decline_url and,
 * without a fault, opens a challenge: the transaction is recorded pending (no webhook yet) and the
 * answer is the documented 3-D Secure redirect body (HTTP 200). A decline fault declines without a
 * challenge; unclear/pending faults commit an ordinary pending transaction.
 */
export function authorizeOrSell(
  ctx: GatewayCtx,
  body: Body,
  kind: "authorization" | "payment",
  mode: Mode,
  opts: AuthorizeOpts = {},
): OpResult {
  const type: TransactionType = kind === "authorization" ? "PRE_AUTH" : "CAPTURE"
  if (!isCurrency(body.currency)) return fail(validation("Invalid currency", type))
  const amountMinor = parseAmount(body.amount, body.currency)
  if (amountMinor === null) return fail(validation("Invalid amount", type))
  if (!validMerchantTxnRef(body.merchant_txn_ref)) return fail(validation("Invalid merchant_txn_ref", type))
  const rc = isObject(body.return_url) ? body.return_url : {}
  if (rc.webhook_url !== undefined && typeof rc.webhook_url !== "string") return fail(validation("Invalid return_url.webhook_url", type))
  const read = readCard(ctx, body, type)
  if ("ok" in read) return read
  const threeDs = opts.v2 === true && isThreeDsCard(read.card)
  if (threeDs && !(nonEmpty(rc.success_url) && nonEmpty(rc.decline_url))) {
    return fail(validation("return_url is required for 3-D Secure", type))
  }
  const challenge = threeDs && mode === "normal"

  const declineCode = mode === "decline" ? 5 : declineCodeFor(read.card)
  const status = declineCode ? "declined" : isPendingMode(mode) || challenge ? "pending" : "succeeded"
  const pm = isObject(body.payment_method) ? body.payment_method : {}
  const storeCard = !read.tokenId && pm.store_payment_method === true
  let tokenId = read.tokenId
  if (storeCard && status !== "declined" && !challenge) tokenId = issueToken(ctx, read.card, read.scheme)
  const threeDsToken = challenge ? randomBytes(18).toString("base64url") : undefined
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
    threeDs: challenge ? "challenge" : undefined,
    threeDsToken,
  })
  if (threeDsToken) {
    ctx.state.challenges.set(threeDsToken, {
      token: threeDsToken,
      txnId: t.id,
      successUrl: rc.success_url as string,
      declineUrl: rc.decline_url as string,
      storePaymentMethod: storeCard,
      completed: false,
    })
    return { ok: true, status: 200, body: threeDsRedirectBody(ctx, t, threeDsToken), txn: t }
  }
  notifyWebhook(ctx, t)
  return postAnswer(ctx, t, mode)
}

const nonEmpty = (v: unknown): v is string => typeof v === "string" && v !== ""

/**
 * The documented 3-D Secure answer (API.md §5.3; camelCase `statusCode` as in the docs).
 * `transaction_details` is a sandbox addition (UNKNOWN whether the real body has it), switchable
 * with config.threeDsBodyHasTransactionId.
 */
function threeDsRedirectBody(ctx: GatewayCtx, t: TxnRecord, token: string): Record<string, unknown> {
  const url = `${ctx.baseUrl()}/3ds/${token}`
  const body: Record<string, unknown> = { url, statusCode: 200, success: true, redirect_url: url }
  if (ctx.config.threeDsBodyHasTransactionId) {
    body.transaction_details = { id: t.id, merchant_txn_ref: t.merchantTxnRef }
  }
  return body
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
  // Announced at commit, even when the answer itself is then lost (timeout_after).
  announce(ctx, ctx.config.captureWebhooks, parent, t)
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
  // Announced at commit, even when the answer itself is then lost (timeout_after).
  announce(ctx, ctx.config.refundWebhooks, parent, t)
  return postAnswer(ctx, t, mode)
}

/** A follow-up (refund, capture, void) on the webhook URL of the payment it descends from, when its switch is on. */
function announce(ctx: GatewayCtx, enabled: boolean, parent: TxnRecord, t: TxnRecord): void {
  const webhookUrl = enabled ? rootWebhookUrl(ctx, parent) : undefined
  if (webhookUrl) ctx.webhooks.send(webhookUrl, statusEnvelope(ctx, t), t.id)
}

/** The webhook URL of the payment a transaction descends from (a capture's is its authorization's). */
function rootWebhookUrl(ctx: GatewayCtx, t: TxnRecord): string | undefined {
  let current: TxnRecord | undefined = t
  while (current && !current.webhookUrl && current.parentId) current = ctx.state.txns.get(current.parentId)
  return current?.webhookUrl
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
  announce(ctx, ctx.config.voidWebhooks, parent, t)
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
