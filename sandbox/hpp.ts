// Hosted Payment Page: link generation (API.md §5.8) and the shopper-facing page/pay step.
// By default (config.hppTransactionId "link") the link id doubles as the id of the sale it
// produces, so status/<link id> works after payment; with "new" the sale gets a fresh uuid and
// only the webhook (and the pay answer) names it. The 3-D Secure card approves here without a challenge.
import { randomUUID } from "crypto"
import type { IncomingMessage, ServerResponse } from "http"
import { declineCodeFor, isPan, schemeOf } from "./cards"
import { fail, type GatewayCtx, type Mode, type OpResult } from "./context"
import { transactionEnvelope, validation } from "./envelope"
import { renderHppPage, renderMessagePage } from "./hpp-page"
import { BodyError, isObject, parseBody, readBody, sendHtml, sendJson, str, wantsJson } from "./http-util"
import { formatMajor, isCurrency, majorNumber, parseAmount } from "./money"
import { isPendingMode, issueToken, notifyWebhook, validMerchantTxnRef } from "./operations"
import { runOp } from "./run-op"
import type { HppLink } from "./state"

type Body = Record<string, unknown>

export function generateLink(ctx: GatewayCtx, body: Body): OpResult {
  if (!isCurrency(body.currency)) return fail(validation("Invalid currency"))
  const amountMinor = parseAmount(body.amount, body.currency)
  if (amountMinor === null) return fail(validation("Invalid amount"))
  if (!validMerchantTxnRef(body.merchant_txn_ref)) return fail(validation("Invalid merchant_txn_ref"))
  const ru = body.return_url
  if (!isObject(ru)) return fail(validation("return_url is required"))
  for (const k of ["webhook_url", "success_url", "decline_url"] as const) {
    if (typeof ru[k] !== "string" || ru[k] === "") return fail(validation(`return_url.${k} is required`))
  }
  for (const k of ["cancel_url", "inprogress_url"] as const) {
    if (ru[k] !== undefined && typeof ru[k] !== "string") return fail(validation(`Invalid return_url.${k}`))
  }
  const returnUrl = ru as HppLink["returnUrl"]
  const pm = isObject(body.payment_method) ? body.payment_method : {}
  const link: HppLink = {
    id: randomUUID(),
    code: ctx.state.newLinkCode(),
    amountMinor,
    currency: body.currency,
    merchantTxnRef: body.merchant_txn_ref,
    merchantId: ctx.credentials.merchantId,
    merchantEmail: typeof body.merchant_email === "string" ? body.merchant_email : null,
    returnUrl: { ...returnUrl },
    billingAddress: body.billing_address ?? null,
    shippingAddress: body.shipping_address ?? null,
    storePaymentMethod: pm.store_payment_method === true,
    used: false,
  }
  ctx.state.linksByCode.set(link.code, link)
  return {
    ok: true,
    status: 201,
    body: {
      id: link.id,
      url: `${ctx.baseUrl()}/hpp/${link.code}`,
      amount: majorNumber(link.amountMinor, link.currency),
      currency: link.currency,
      merchant_txn_ref: link.merchantTxnRef,
      merchant_id: link.merchantId,
      merchant_email: link.merchantEmail,
      return_url: link.returnUrl,
      billing_address: link.billingAddress,
      shipping_address: link.shippingAddress,
      status: "ACTIVE",
      isValid: true,
    },
  }
}

export function serveHppPage(ctx: GatewayCtx, res: ServerResponse, code: string): void {
  const link = ctx.state.linksByCode.get(code)
  if (!link) return sendHtml(res, 404, renderMessagePage("Payment link not found", "This payment link does not exist."))
  if (link.used) return sendHtml(res, 409, renderMessagePage("Link already used", "This payment link has already been used."))
  sendHtml(res, 200, renderHppPage(link, formatMajor(link.amountMinor, link.currency)))
}

export async function handleHppPay(ctx: GatewayCtx, req: IncomingMessage, res: ServerResponse, code: string): Promise<void> {
  let body: Body
  try {
    body = parseBody(await readBody(req), req.headers["content-type"])
  } catch (e) {
    const status = e instanceof BodyError ? e.status : 400
    return sendJson(res, status, { message: (e as Error).message })
  }
  const link = ctx.state.linksByCode.get(code)
  if (!link) return sendJson(res, 404, { message: "Payment link not found" })
  if (link.used) return sendJson(res, 409, { message: "Link already used" })

  if (body.action === "cancel") {
    const to = link.returnUrl.cancel_url || link.returnUrl.decline_url
    return runOp(ctx, req, res, undefined, { declineCommits: true }, () => ({
      ok: true,
      status: 200,
      body: { redirect_url: to, transaction: null },
      redirect: to,
    }))
  }

  const pan = str(body.card_number)?.replace(/[\s-]/g, "")
  if (!isPan(pan)) {
    if (wantsJson(req)) return sendJson(res, 400, { message: "Invalid card number" })
    return sendHtml(res, 400, renderHppPage(link, formatMajor(link.amountMinor, link.currency), "Invalid card number"))
  }
  const card = {
    name: str(body.card_name) ?? "",
    number: pan,
    exp_month: str(body.exp_month) ?? "",
    exp_year: str(body.exp_year) ?? "",
  }
  const fault = ctx.faults.take("hpp", link.id)
  runOp(ctx, req, res, fault, { declineCommits: true }, (mode) => paySale(ctx, link, card, mode))
}

function paySale(ctx: GatewayCtx, link: HppLink, card: HppCardInput, mode: Mode): OpResult {
  const declineCode = mode === "decline" ? 5 : declineCodeFor(card)
  const status = declineCode ? "declined" : isPendingMode(mode) ? "pending" : "succeeded"
  const scheme = schemeOf(card.number)
  const tokenId = link.storePaymentMethod && status !== "declined" ? issueToken(ctx, card, scheme) : undefined
  link.used = true
  const t = ctx.state.addTxn({
    id: ctx.config.hppTransactionId === "link" ? link.id : undefined,
    type: "CAPTURE",
    source: "hpp",
    status,
    responseCode: declineCode,
    amountMinor: link.amountMinor,
    currency: link.currency,
    merchantTxnRef: link.merchantTxnRef,
    card,
    scheme,
    webhookUrl: link.returnUrl.webhook_url,
    storedPaymentMethodId: tokenId,
  })
  notifyWebhook(ctx, t)
  const ru = link.returnUrl
  const to = status === "succeeded" ? ru.success_url : status === "pending" ? ru.inprogress_url || ru.success_url : ru.decline_url
  const immediate = isPendingMode(mode) ? mode : undefined
  const envelope = transactionEnvelope(t, { merchantId: ctx.credentials.merchantId, statusCode: 201, immediate })
  return { ok: true, status: 200, body: { redirect_url: to, transaction: envelope }, txn: t, redirect: to }
}

type HppCardInput = { name: string; number: string; exp_month: string; exp_year: string }
