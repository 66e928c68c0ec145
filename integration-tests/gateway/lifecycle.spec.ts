import { MathBN, MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import { DECLINE_CARDS, DEFAULT_TEST_CARD } from "../../sandbox"
import type PaymentOptionsProviderService from "../../src/providers/paymentoptions/service"
import {
  cardPayment,
  deliverWebhook,
  medusaMerge,
  moneyRequests,
  naming,
  newSessionId,
  opsOf,
  paidPayment,
  payOnHostedPage,
  providerFor,
  rejection,
  TEST_PROVIDER_ID,
  useSandbox,
} from "./helpers"

// Hosted checkout, authorize, capture, void, delete, status and webhooks against the sandbox over real HTTP, with
// the operation log in memory. Data is chained through medusaMerge, as Medusa stores it.
const sandbox = useSandbox()

const declineCard = Object.keys(DECLINE_CARDS)[0]
/** Keys the provider may write into session/payment data: none of them is a secret. */
const SECRET_KEYS = ["authorization_id", "stored_payment_method_id", "webhook_transaction_id", "token", "issued_token"]

function expectNoSecrets(data: Record<string, unknown>) {
  const json = JSON.stringify(data)
  for (const key of SECRET_KEYS) expect(json).not.toContain(`"${key}"`)
  expect(json).not.toContain(DEFAULT_TEST_CARD)
}

/** A hosted-page session as Medusa stores it after initiatePayment. */
async function hostedSession(provider: PaymentOptionsProviderService, amount: number | string = 2500, currency_code = "jpy") {
  const session_id = newSessionId()
  const out = await provider.initiatePayment({ amount, currency_code, data: { session_id } })
  return { out, data: medusaMerge({ session_id }, out.data) }
}

/** A card-route PRE_AUTH (checkoutMode server, manual capture): the payment data Medusa stores, and the pre-auth op. */
async function preAuthorized(amount = 4000) {
  const ctx = providerFor(sandbox, { checkoutMode: "server", captureMode: "manual", allowRawCardData: true })
  const session_id = newSessionId()
  const initiated = await ctx.provider.initiatePayment({ amount, currency_code: "jpy", data: { session_id } })
  let data = medusaMerge({ session_id }, initiated.data)
  const updated = await ctx.provider.updatePayment({ amount, currency_code: "jpy", data: { ...data, card_payment: cardPayment() } })
  expect(updated.status).toBe(PaymentSessionStatus.AUTHORIZED)
  data = medusaMerge(data, updated.data)
  const authorized = await ctx.provider.authorizePayment({ data })
  expect(authorized.status).toBe(PaymentSessionStatus.AUTHORIZED)
  data = medusaMerge(data, authorized.data)
  const [auth] = opsOf(ctx.store, session_id)
  expect(auth).toMatchObject({ kind: "pre_auth", status: "succeeded" })
  return { ...ctx, data, session_id, auth }
}

describe("hosted-page checkout", () => {
  it("initiatePayment creates a link for the session and returns only public keys; no money is logged", async () => {
    const { provider, store } = providerFor(sandbox, { backendUrl: "https://shop.example/api" })
    const out = await provider.initiatePayment({ amount: { value: "5000", precision: 20 }, currency_code: "JPY", data: { session_id: "payses_1" } })
    expect(out.status).toBe(PaymentSessionStatus.PENDING)
    expect(out.data).toEqual({
      session_id: "payses_1",
      currency_code: "jpy",
      amount: "5000",
      medusa_amount: "5000",
      merchant_txn_ref: "payses_1",
      checkout: "hpp",
      hpp_link_id: out.id,
      redirect_url: expect.stringMatching(new RegExp(`^${sandbox.url}/hpp/`)),
    })
    const sent = sandbox.requests().at(-1)!
    expect(sent.path).toMatch(/\/hpp\/generate\/link$/)
    expect(sent.body).toMatchObject({
      amount: "5000",
      currency: "JPY",
      merchant_id: "JP00000001",
      merchant_txn_ref: "payses_1",
      return_url: { webhook_url: `https://shop.example/api/hooks/payment/${TEST_PROVIDER_ID.replace(/^pp_/, "")}` },
    })
    expect((sent.body as any).payment_method).toBeUndefined() // no token unless the customer opted in
    expect(store.operations.size).toBe(0)
  })

  it("takes the session id from Medusa's context when the data has none, and refuses a zero amount before any call", async () => {
    const { provider } = providerFor(sandbox)
    const out = await provider.initiatePayment({ amount: 100, currency_code: "jpy", data: {}, context: { idempotency_key: "payses_ctx" } })
    expect(out.data).toMatchObject({ session_id: "payses_ctx", merchant_txn_ref: "payses_ctx" })
    const before = sandbox.requests().length
    const error = await rejection(provider.initiatePayment({ amount: 0, currency_code: "jpy", data: { session_id: "payses_zero" } }))
    expect(error.type).toBe(MedusaError.Types.INVALID_DATA)
    expect(sandbox.requests()).toHaveLength(before)
  })

  it("authorizePayment is pending until the shopper pays, then captured with the sale's own id, confirmed by Transaction Status", async () => {
    const { provider, store } = providerFor(sandbox)
    const { data: session } = await hostedSession(provider)
    const early = await provider.authorizePayment({ data: session })
    expect(early).toEqual({ status: PaymentSessionStatus.PENDING, data: session })
    expect(store.operations.size).toBe(0)

    await payOnHostedPage(session.redirect_url)
    const authorized = await provider.authorizePayment({ data: session })
    expect(authorized.status).toBe(PaymentSessionStatus.CAPTURED)
    // Unlike the other methods, the whole session data with the changes: Medusa creates the payment with exactly it.
    expect(authorized.data).toMatchObject(session)
    const data = authorized.data as Record<string, any>
    const gateway = sandbox.transaction(data.transaction_id)!
    expect(gateway).toMatchObject({ type: "CAPTURE", status: "succeeded", amount: "2500", merchantTxnRef: session.session_id })
    expect(data).toMatchObject({
      session_id: session.session_id,
      hpp_link_id: session.hpp_link_id,
      amount: "2500",
      transaction_id: session.hpp_link_id, // hppTransactionId "link": the sale reuses the link's id
      transaction_ref: String(gateway.ref),
      refunded_amount: "0",
      card: { scheme: "VISA", last4: "1111", exp_month: "12", exp_year: "30" },
      three_ds: null,
      attempt: null,
      last_error: null,
    })
    expectNoSecrets(data)
    expect(sandbox.requests().some((r) => r.method === "GET" && r.path.endsWith(`/transaction/status/${data.transaction_id}`))).toBe(true)
    expect(opsOf(store, session.session_id)).toEqual([
      expect.objectContaining({ kind: "sale", status: "succeeded", transaction_id: data.transaction_id, key: `sale:${session.session_id}:hpp:${data.transaction_id}` }),
    ])

    // Medusa retries (cart completion run twice): same answer, still one sale, never a money call.
    const again = await provider.authorizePayment({ data })
    expect(again.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(again.data!.transaction_id).toBe(data.transaction_id)
    expect(opsOf(store, session.session_id)).toHaveLength(1)
    expect(moneyRequests(sandbox)).toEqual([])
  })

  it("a declined card gives status error with the gateway's reason and records no payment", async () => {
    const { provider, store } = providerFor(sandbox)
    const { data } = await hostedSession(provider)
    await payOnHostedPage(data.redirect_url, declineCard).catch(() => undefined)
    const out = await provider.authorizePayment({ data })
    expect(out.status).toBe(PaymentSessionStatus.ERROR)
    expect(out.data!.last_error).toMatchObject({ code: "ERR0204", response_code: DECLINE_CARDS[declineCard] })
    expect(out.data!.transaction_id).toBeUndefined()
    expect(store.operations.size).toBe(0)
  })

  it('hppTransactionId "new": the sale is found through the verified webhook that named it', async () => {
    sandbox.configure({ hppTransactionId: "new" })
    const { provider, store } = providerFor(sandbox)
    const { data } = await hostedSession(provider)
    const paid = await payOnHostedPage(data.redirect_url)
    const saleId = paid.transaction.transaction_details.id
    expect(saleId).not.toBe(data.hpp_link_id)
    expect((await provider.authorizePayment({ data })).status).toBe(PaymentSessionStatus.PENDING)

    const action = await deliverWebhook(provider, sandbox, naming(saleId))
    expect(action).toMatchObject({ action: PaymentActions.SUCCESSFUL, data: { session_id: data.session_id } })
    expect(store.webhooks).toEqual([expect.objectContaining({ transaction_id: saleId, session_id: data.session_id, type: "CAPTURE", outcome: "succeeded" })])
    const authorized = await provider.authorizePayment({ data })
    expect(authorized.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(authorized.data!.transaction_id).toBe(saleId)
    expect(opsOf(store, data.session_id)).toEqual([expect.objectContaining({ kind: "sale", status: "succeeded", transaction_id: saleId })])
  })

  it("updatePayment issues a new link while unpaid, keeps an unchanged session as it is, and refuses once paid", async () => {
    const { provider, store } = providerFor(sandbox)
    const { data: first } = await hostedSession(provider, 1000)
    expect(await provider.updatePayment({ amount: 1000, currency_code: "jpy", data: first })).toEqual({ data: {} })

    const updated = await provider.updatePayment({ amount: 1500, currency_code: "jpy", data: first })
    expect(updated.status).toBe(PaymentSessionStatus.PENDING)
    expect(updated.data).toMatchObject({ amount: "1500", session_id: first.session_id, merchant_txn_ref: first.session_id })
    expect(updated.data!.hpp_link_id).not.toBe(first.hpp_link_id)
    const data = medusaMerge(first, updated.data)
    expect(sandbox.requests().filter((r) => r.path.endsWith("/hpp/generate/link")).at(-1)!.body).toMatchObject({ amount: "1500", merchant_txn_ref: first.session_id })

    // Paid on the new link, the cart not completed yet: the amount can no longer change.
    await payOnHostedPage(data.redirect_url)
    const error = await rejection(provider.updatePayment({ amount: 2000, currency_code: "jpy", data }))
    expect(error.type).toBe(MedusaError.Types.NOT_ALLOWED)
    expect(error.message).toContain("already paid")
    expect(sandbox.requests().filter((r) => r.path.endsWith("/hpp/generate/link"))).toHaveLength(2)
    expect((await provider.authorizePayment({ data })).status).toBe(PaymentSessionStatus.CAPTURED)
    expect(opsOf(store, first.session_id)).toHaveLength(1)
  })
})

describe("authorizePayment only accepts the session's own transaction (type, merchant_txn_ref, amount, currency, merchant)", () => {
  it("another session's sale is not accepted, even with its link id in this session's data", async () => {
    const { provider, store, logs } = providerFor(sandbox)
    const { data: a } = await hostedSession(provider)
    const { data: b } = await hostedSession(provider)
    await payOnHostedPage(a.redirect_url)
    const pointed = medusaMerge(b, { hpp_link_id: a.hpp_link_id })
    const out = await provider.authorizePayment({ data: pointed })
    expect(out.status).toBe(PaymentSessionStatus.PENDING)
    expect(out.data!.transaction_id).toBeUndefined()
    expect(opsOf(store, b.session_id)).toEqual([])
    expect(logs.some((l) => l.startsWith("warn") && l.includes(`does not belong to payment session ${b.session_id}`) && l.includes(`reference ${a.session_id}`))).toBe(true)
    // The rightful session still gets it.
    expect((await provider.authorizePayment({ data: a })).status).toBe(PaymentSessionStatus.CAPTURED)
  })

  it("a sale whose amount differs from the session's (tampered data) is not accepted", async () => {
    const { provider, store, logs } = providerFor(sandbox)
    const { data } = await hostedSession(provider, 2500)
    await payOnHostedPage(data.redirect_url)
    const out = await provider.authorizePayment({ data: { ...data, amount: "9999" } })
    expect(out.status).toBe(PaymentSessionStatus.PENDING)
    expect(store.operations.size).toBe(0)
    expect(logs.some((l) => l.includes("amount 2500 instead of 9999"))).toBe(true)
  })

  it.each([
    ["another amount", { amount: "500", currency: "JPY" }, "amount 500 instead of 2500"],
    ["another currency", { amount: "25.00", currency: "USD" }, "currency USD"],
  ])("a sale for this session's merchant_txn_ref with %s, named by a verified webhook, is not accepted", async (_what, paid, problem) => {
    const { provider, store, logs } = providerFor(sandbox)
    const { data } = await hostedSession(provider, 2500)
    const webhookUrl = (provider as any).webhookUrl()
    const link = await (provider as any).client_.generateHppLink({
      ...paid,
      merchant_id: sandbox.credentials.merchantId,
      merchant_txn_ref: data.session_id,
      return_url: { webhook_url: webhookUrl, success_url: "http://shop.test/ok", decline_url: "http://shop.test/ko" },
    })
    await payOnHostedPage(link.url)
    await deliverWebhook(provider, sandbox, naming(link.id))
    expect(store.webhooks.map((w) => w.transaction_id)).toEqual([link.id]) // verified: it is this session's reference

    const out = await provider.authorizePayment({ data })
    expect(out.status).toBe(PaymentSessionStatus.PENDING)
    expect(out.data!.transaction_id).toBeUndefined()
    expect(opsOf(store, data.session_id)).toEqual([])
    expect(logs.some((l) => l.startsWith("warn") && l.includes(link.id.slice(0, 8)) && l.includes(problem))).toBe(true)

    // The session's own payment is taken, the other one still ignored.
    await payOnHostedPage(data.redirect_url)
    const authorized = await provider.authorizePayment({ data })
    expect(authorized.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(authorized.data!.transaction_id).toBe(data.hpp_link_id)
  })
})

describe("the explicit-decline rule: success:false with an INFO code is pending, not a decline", () => {
  it("a hosted sale whose Transaction Status answers success:false + INFO is recorded pending, then captured once it reads as a success", async () => {
    const { provider, store } = providerFor(sandbox)
    const { data } = await hostedSession(provider)
    await payOnHostedPage(data.redirect_url)
    sandbox.addFault({ op: "status", fault: "in_progress", transactionId: data.hpp_link_id })
    const out = await provider.authorizePayment({ data })
    expect(out.status).toBe(PaymentSessionStatus.PENDING)
    expect(out.data!.last_error).toBeUndefined()
    expect(out.data!.attempt).toMatchObject({ kind: "sale", status: "pending" })
    expect(opsOf(store, data.session_id)).toEqual([expect.objectContaining({ kind: "sale", status: "pending", transaction_id: data.hpp_link_id })])

    const later = await provider.authorizePayment({ data: medusaMerge(data, out.data) })
    expect(later.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(later.data).toMatchObject({ transaction_id: data.hpp_link_id, attempt: null })
    expect(opsOf(store, data.session_id)).toEqual([expect.objectContaining({ status: "succeeded" })])
  })

  it("a webhook whose transaction reads success:false + INFO is PENDING, then SUCCESSFUL", async () => {
    const { provider, store } = providerFor(sandbox)
    const { data } = await paidPayment(provider, 5000)
    sandbox.addFault({ op: "status", fault: "in_progress", transactionId: data.transaction_id })
    const pending = await deliverWebhook(provider, sandbox, naming(data.transaction_id))
    expect(pending.action).toBe(PaymentActions.PENDING)
    expect(store.webhooks[0]).toMatchObject({ transaction_id: data.transaction_id, outcome: "pending" })
    const done = await deliverWebhook(provider, sandbox, naming(data.transaction_id))
    expect(done.action).toBe(PaymentActions.SUCCESSFUL)
    expect(store.webhooks).toEqual([expect.objectContaining({ outcome: "succeeded", deliveries: 2 })])
  })

  it("an explicit decline (declining response code, ERR code) stays a decline", async () => {
    const { provider } = providerFor(sandbox)
    const { data } = await hostedSession(provider)
    await payOnHostedPage(data.redirect_url, declineCard).catch(() => undefined)
    const action = await deliverWebhook(provider, sandbox, naming(data.hpp_link_id))
    expect(action.action).toBe(PaymentActions.FAILED)
  })
})

describe("capture, cancel and status", () => {
  it("capturing a sale changes nothing at the gateway", async () => {
    const { provider } = providerFor(sandbox)
    const { data } = await paidPayment(provider, 3000)
    const before = sandbox.requests().length
    const out = await provider.capturePayment({ data })
    expect(out.data).toEqual({})
    expect(sandbox.requests().length).toBe(before)
  })

  it("captures a PRE_AUTH once, logged before it is sent; only the capture id reaches payment data, and refunds use it", async () => {
    const { provider, store, data, session_id, auth } = await preAuthorized(4000)
    expect(JSON.stringify(data)).not.toContain(auth.transaction_id!) // the PRE_AUTH id is a secret of the log
    expectNoSecrets(data)

    const captured = await provider.capturePayment({ data, context: { idempotency_key: "capt_1" } })
    const captureId = captured.data!.transaction_id as string
    expect(captured.data).toEqual({
      transaction_id: captureId,
      transaction_ref: expect.any(String),
      amount: "4000",
      captured_at: expect.any(String),
      refunded_amount: "0",
    })
    expect(captureId).not.toBe(auth.transaction_id)
    expect(sandbox.transaction(captureId)).toMatchObject({ type: "CAPTURE", parentId: auth.transaction_id, amount: "4000", notes: "Medusa capture capt_1" })
    expect(opsOf(store, session_id).filter((op) => op.kind === "capture")).toEqual([
      expect.objectContaining({
        key: `capture:${auth.transaction_id}:1`,
        status: "succeeded",
        medusa_id: "capt_1",
        parent_transaction_id: auth.transaction_id,
        transaction_id: captureId,
        amount: "4000",
      }),
    ])

    const stored = medusaMerge(data, captured.data)
    expect(await provider.capturePayment({ data: stored })).toEqual({ data: {} })
    // A retry with the data from before the capture was written: the log answers, nothing is sent.
    const stale = await provider.capturePayment({ data, context: { idempotency_key: "capt_1" } })
    expect(stale.data!.transaction_id).toBe(captureId)
    expect(moneyRequests(sandbox, "/capture")).toHaveLength(1)
    expect(sandbox.transactions().filter((t) => t.type === "CAPTURE" && t.parentId === auth.transaction_id)).toHaveLength(1)

    await provider.refundPayment({ data: stored, amount: 1000, context: { idempotency_key: "ref_cap" } })
    expect(moneyRequests(sandbox, "/refund").at(-1)!.body).toMatchObject({ transactionId: captureId })
    expect((await provider.getPaymentStatus({ data: stored })).status).toBe(PaymentSessionStatus.CAPTURED)
  })

  it("voids a PRE_AUTH once, idempotently; a voided authorization cannot be captured; a captured sale cannot be voided", async () => {
    const { provider, store, data, session_id, auth } = await preAuthorized(1000)
    expect((await provider.getPaymentStatus({ data })).status).toBe(PaymentSessionStatus.AUTHORIZED)
    const canceled = await provider.cancelPayment({ data })
    expect(canceled.data).toEqual({ canceled_at: expect.any(String) })
    const voids = sandbox.transactions().filter((t) => t.type === "VOID")
    expect(voids).toEqual([expect.objectContaining({ parentId: auth.transaction_id })])
    expect(opsOf(store, session_id).filter((op) => op.kind === "void")).toEqual([
      expect.objectContaining({ status: "succeeded", parent_transaction_id: auth.transaction_id, transaction_id: voids[0].id }),
    ])

    const stored = medusaMerge(data, canceled.data)
    const again = await provider.cancelPayment({ data: stored })
    expect(again.data!.canceled_at).toBe(canceled.data!.canceled_at)
    expect(moneyRequests(sandbox, "/void")).toHaveLength(1)
    expect((await provider.getPaymentStatus({ data: stored })).status).toBe(PaymentSessionStatus.CANCELED)

    const error = await rejection(provider.capturePayment({ data }))
    expect(error.type).toBe(MedusaError.Types.NOT_ALLOWED)
    expect(error.message).toContain("was voided")
    expect(moneyRequests(sandbox, "/capture")).toEqual([])

    const hosted = providerFor(sandbox, {}, store).provider
    const { data: sale } = await paidPayment(hosted, 1000)
    const refused = await rejection(hosted.cancelPayment({ data: sale }))
    expect(refused.type).toBe(MedusaError.Types.NOT_ALLOWED)
    expect(refused.message).toContain("refund it instead")
  })

  it("cancels and deletes an unpaid hosted-page session without any money call", async () => {
    const { provider, store } = providerFor(sandbox)
    const { data } = await hostedSession(provider, 1000)
    const out = await provider.cancelPayment({ data })
    expect(out.data).toEqual({ three_ds: null, canceled_at: expect.any(String) })
    expect(await provider.deletePayment({ data })).toEqual({ data: {} })
    expect(moneyRequests(sandbox)).toEqual([])
    expect(store.operations.size).toBe(0)
    expect(store.orphans).toEqual([])
  })

  it("authorizePayment's answer says Medusa recorded a payment; a session whose card-route PRE_AUTH no payment uses is released when deleted", async () => {
    const { provider, store, data, session_id, auth } = await preAuthorized(1200)
    expect(data.payment_recorded_at).toEqual(expect.any(String))
    // The card route authorized it (updatePayment), the cart then changed before completion: no Medusa payment yet.
    const { payment_recorded_at: _recorded, ...cardRouteData } = data
    expect(await provider.deletePayment({ data: cardRouteData })).toEqual({ data: {} })
    expect(sandbox.transactions().filter((t) => t.type === "VOID")).toEqual([expect.objectContaining({ parentId: auth.transaction_id })])
    expect(opsOf(store, session_id).map((op) => [op.kind, op.status])).toEqual([
      ["pre_auth", "succeeded"],
      ["void", "succeeded"],
    ])
    expect(store.orphans).toEqual([])
  })

  it("deleting a session whose PRE_AUTH backs a Medusa payment is refused (no void); once the payment is canceled it is deleted", async () => {
    const { provider, store, data, session_id } = await preAuthorized(1200)
    const refused = await rejection(provider.deletePayment({ data }))
    expect(refused.type).toBe(MedusaError.Types.NOT_ALLOWED)
    expect(refused.message).toContain("backs a payment Medusa recorded")
    expect(moneyRequests(sandbox).filter((r) => r.path.endsWith("/void"))).toEqual([])
    expect(await provider.cancelPayment({ data })).toEqual({ data: { canceled_at: expect.any(String) } })
    expect(await provider.deletePayment({ data })).toEqual({ data: {} })
    expect(opsOf(store, session_id).map((op) => [op.kind, op.status])).toEqual([
      ["pre_auth", "succeeded"],
      ["void", "succeeded"],
    ])
    expect(store.orphans).toEqual([])
  })

  it("deleting a session Medusa recorded as captured (a completion that failed after the capture) lists it as an orphan, nothing sent", async () => {
    const { provider, store } = providerFor(sandbox)
    const { data } = await paidPayment(provider, 2200)
    expect(data.transaction_id).toEqual(expect.any(String))
    const before = moneyRequests(sandbox).length
    expect(await provider.deletePayment({ data })).toEqual({ data: {} })
    expect(moneyRequests(sandbox)).toHaveLength(before)
    expect(store.orphans).toEqual([
      expect.objectContaining({ transaction_id: data.transaction_id, session_id: data.session_id, kind: "sale", amount: "2200", currency_code: "jpy" }),
    ])
  })

  it("a captured session deleted after a partial refund is an orphan for what is left; after a full refund it is none", async () => {
    const { provider, store } = providerFor(sandbox)
    const partly = await paidPayment(provider, 3000)
    await provider.refundPayment({ amount: 1000, data: partly.data, context: { idempotency_key: "ref_part" } } as any)
    await provider.deletePayment({ data: partly.data })
    const fully = await paidPayment(provider, 3000)
    await provider.refundPayment({ amount: 3000, data: fully.data, context: { idempotency_key: "ref_full" } } as any)
    await provider.deletePayment({ data: fully.data })
    expect(store.orphans).toEqual([expect.objectContaining({ transaction_id: partly.data.transaction_id, amount: "2000" })])
  })

  it("deleting a hosted session the shopper already paid lists the payment as an orphan", async () => {
    const { provider, store, logs } = providerFor(sandbox)
    const { data } = await hostedSession(provider, 1800)
    await payOnHostedPage(data.redirect_url)
    expect(await provider.deletePayment({ data })).toEqual({ data: {} })
    expect(store.orphans).toEqual([
      expect.objectContaining({ transaction_id: data.hpp_link_id, session_id: data.session_id, kind: "sale", amount: "1800", currency_code: "jpy", provider_id: TEST_PROVIDER_ID }),
    ])
    expect(moneyRequests(sandbox)).toEqual([]) // listed for the operator (refundOrphanedPayments is off), not refunded here
    expect(logs.some((l) => l.startsWith("error") && l.includes("belongs to no order"))).toBe(true)
  })

  it("retrievePayment returns the gateway's view as its only key", async () => {
    const { provider } = providerFor(sandbox)
    const { data } = await paidPayment(provider, 1000)
    const out = await provider.retrievePayment({ data })
    expect(out.data).toEqual({
      gateway_status: { outcome: "succeeded", code: "INFO0000", message: expect.any(String), response_code: 0, checked_at: expect.any(String) },
    })
    expect(medusaMerge(data, out.data)).toMatchObject({ ...data, gateway_status: { outcome: "succeeded" } })
  })
})

describe("webhooks are verified with Transaction Status", () => {
  it("a genuine sale becomes captured for its session with the amount in major units, and is recorded once", async () => {
    const { provider, store } = providerFor(sandbox)
    const { data } = await paidPayment(provider, 5000)
    const body = await (provider as any).client_.getTransactionStatus(data.transaction_id)
    const result = await provider.getWebhookActionAndData({ data: body, rawData: JSON.stringify(body), headers: {} })
    expect(result.action).toBe(PaymentActions.SUCCESSFUL)
    expect(result.data!.session_id).toBe(data.session_id)
    expect(MathBN.eq(result.data!.amount, 5000)).toBe(true)
    expect(store.webhooks).toEqual([
      expect.objectContaining({
        transaction_id: data.transaction_id,
        session_id: data.session_id,
        provider_id: TEST_PROVIDER_ID,
        type: "CAPTURE",
        outcome: "succeeded",
        amount: "5000",
        currency_code: "jpy",
        deliveries: 1,
      }),
    ])
    // The gateway's own delivery of the same transaction: same answer, one record.
    const replay = await deliverWebhook(provider, sandbox, naming(data.transaction_id))
    expect(replay.action).toBe(PaymentActions.SUCCESSFUL)
    expect(store.webhooks).toHaveLength(1)
    expect(store.webhooks[0].deliveries).toBe(2)
  })

  it("a forged payload changes nothing and records nothing", async () => {
    const { provider, logs, store } = providerFor(sandbox)
    const { data } = await paidPayment(provider, 5000)
    const genuine = await (provider as any).client_.getTransactionStatus(data.transaction_id)
    const unknown = { ...genuine, transaction_details: { ...genuine.transaction_details, id: "00000000-0000-4000-8000-000000000001" } }
    const otherSession = { ...genuine, merchant_details: { ...genuine.merchant_details, merchant_txn_ref: "payses_victim" } }
    for (const body of [unknown, otherSession, { hello: "world" }, { transaction_details: { id: "x".repeat(65) } }]) {
      const result = await provider.getWebhookActionAndData({ data: body, rawData: JSON.stringify(body), headers: {} })
      expect(result.action).toBe(PaymentActions.NOT_SUPPORTED)
      expect(result.data).toBeUndefined()
    }
    expect(store.webhooks).toEqual([])
    expect(JSON.stringify(logs)).not.toContain(DEFAULT_TEST_CARD)
    expect(JSON.stringify(logs)).not.toContain(sandbox.credentials.apiKey)
  })
})
