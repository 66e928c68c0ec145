import { MathBN, MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import { DECLINE_CARDS, DEFAULT_TEST_CARD, Sandbox, startSandbox } from "../../sandbox"
import { paidPayment, payOnHostedPage, providerFor, rejection } from "./helpers"

// Hosted checkout, authorize, capture, void, status and webhooks against the sandbox over real HTTP.
let sandbox: Sandbox

beforeAll(async () => {
  sandbox = await startSandbox()
})
afterAll(async () => {
  await sandbox.close()
})
beforeEach(() => sandbox.clearFaults())

const declineCard = Object.keys(DECLINE_CARDS)[0]

/** A PRE_AUTH made directly at the gateway, as a stored payment would hold it. */
async function preAuthorized(provider: any, amount: string) {
  const answer = await provider.client_.authorizeV2({
    amount,
    currency: "JPY",
    merchant_id: sandbox.credentials.merchantId,
    merchant_txn_ref: `payses_auth_${Date.now()}`,
    customer_ip: "127.0.0.1",
    time_zone: "Asia/Tokyo",
    return_url: { success_url: "http://127.0.0.1:9/ok", decline_url: "http://127.0.0.1:9/no" },
    card: { number: DEFAULT_TEST_CARD, cvc: "123", expiry_month: "12", expiry_year: "30", name: "TARO" },
  })
  return { currency_code: "jpy", amount, authorization_id: answer.envelope.transaction_details.id }
}

describe("hosted-page checkout", () => {
  it("initiatePayment creates a link for the session and returns the redirect URL", async () => {
    const { provider } = providerFor(sandbox, { backendUrl: "https://shop.example/api" })
    const out = await provider.initiatePayment({ amount: { value: "5000", precision: 20 }, currency_code: "JPY", data: { session_id: "payses_1", from_storefront: "x" } })
    expect(out.status).toBe(PaymentSessionStatus.PENDING)
    expect(out.data).toMatchObject({ session_id: "payses_1", from_storefront: "x", currency_code: "jpy", amount: "5000", checkout: "hpp", hpp_link_id: out.id })
    expect(out.data!.redirect_url).toMatch(new RegExp(`^${sandbox.url}/hpp/`))
    const sent = sandbox.requests().at(-1)!
    expect(sent.path).toMatch(/\/hpp\/generate\/link$/)
    expect(sent.body).toMatchObject({
      amount: "5000",
      currency: "JPY",
      merchant_id: "JP00000001",
      merchant_txn_ref: "payses_1",
      return_url: { webhook_url: "https://shop.example/api/hooks/payment/paymentoptions_paymentoptions" },
    })
  })

  it("authorizePayment is pending until the shopper pays, then captured with the sale's id", async () => {
    const { provider } = providerFor(sandbox)
    const initiated = await provider.initiatePayment({ amount: 2500, currency_code: "jpy", data: { session_id: "payses_2" } })
    expect((await provider.authorizePayment({ data: initiated.data })).status).toBe(PaymentSessionStatus.PENDING)
    await payOnHostedPage(initiated.data!.redirect_url as string)
    const authorized = await provider.authorizePayment({ data: initiated.data })
    expect(authorized.status).toBe(PaymentSessionStatus.CAPTURED)
    const gateway = sandbox.transaction(authorized.data!.transaction_id as string)!
    expect(gateway).toMatchObject({ type: "CAPTURE", status: "succeeded", amount: "2500" })
    expect(authorized.data).toMatchObject({ session_id: "payses_2", amount: "2500", transaction_ref: String(gateway.ref) })
  })

  it("a declined card gives status error with the gateway's reason", async () => {
    const { provider } = providerFor(sandbox)
    const initiated = await provider.initiatePayment({ amount: 2500, currency_code: "jpy", data: { session_id: "payses_3" } })
    await payOnHostedPage(initiated.data!.redirect_url as string, declineCard).catch(() => undefined)
    const out = await provider.authorizePayment({ data: initiated.data })
    expect(out.status).toBe(PaymentSessionStatus.ERROR)
    expect(out.data!.last_error).toMatchObject({ response_code: DECLINE_CARDS[declineCard] })
    expect(out.data!.transaction_id).toBeUndefined()
  })

  it("refuses a sale whose amount does not match the session", async () => {
    const { provider } = providerFor(sandbox)
    const initiated = await provider.initiatePayment({ amount: 2500, currency_code: "jpy", data: { session_id: "payses_4" } })
    await payOnHostedPage(initiated.data!.redirect_url as string)
    const tampered = { ...initiated.data, amount: "9999" }
    await expect(provider.authorizePayment({ data: tampered })).rejects.toThrow("does not match this payment session")
  })

  it("updatePayment issues a new link while unpaid and refuses once paid", async () => {
    const { provider } = providerFor(sandbox)
    const initiated = await provider.initiatePayment({ amount: 1000, currency_code: "jpy", data: { session_id: "payses_5" } })
    const updated = await provider.updatePayment({ amount: 1500, currency_code: "jpy", data: initiated.data })
    expect(updated.data).toMatchObject({ amount: "1500", session_id: "payses_5" })
    expect(updated.data!.hpp_link_id).not.toBe(initiated.data!.hpp_link_id)
    await payOnHostedPage(updated.data!.redirect_url as string)
    await expect(provider.updatePayment({ amount: 2000, currency_code: "jpy", data: updated.data })).rejects.toThrow("already paid")
  })
})

describe("capture, cancel and status", () => {
  it("capturing a sale changes nothing at the gateway", async () => {
    const { provider } = providerFor(sandbox)
    const { data } = await paidPayment(provider, 3000)
    const before = sandbox.requests().length
    const out = await provider.capturePayment({ data })
    expect(out.data).toEqual(data)
    expect(sandbox.requests().length).toBe(before)
  })

  it("captures a PRE_AUTH once, stores the capture id, and refunds use it", async () => {
    const { provider } = providerFor(sandbox)
    const auth = await preAuthorized(provider, "4000")
    const captured = await provider.capturePayment({ data: auth, context: { idempotency_key: "capt_1" } })
    const captureId = captured.data!.transaction_id as string
    expect(captureId).not.toBe(auth.authorization_id)
    expect(sandbox.transaction(captureId)).toMatchObject({ type: "CAPTURE", parentId: auth.authorization_id, amount: "4000", notes: "Medusa capture capt_1" })
    expect(captured.data!.authorization_id).toBe(auth.authorization_id)

    const again = await provider.capturePayment({ data: captured.data })
    expect(again.data!.transaction_id).toBe(captureId)
    expect(sandbox.transactions().filter((t) => t.type === "CAPTURE" && t.parentId === auth.authorization_id)).toHaveLength(1)

    await provider.refundPayment({ data: captured.data, amount: 1000, context: { idempotency_key: "ref_cap" } })
    expect(sandbox.requests().at(-1)!.body).toMatchObject({ transactionId: captureId })
    expect((await provider.getPaymentStatus({ data: captured.data })).status).toBe(PaymentSessionStatus.CAPTURED)
  })

  it("voids a PRE_AUTH, idempotently, and refuses to void a captured payment", async () => {
    const { provider } = providerFor(sandbox)
    const auth = await preAuthorized(provider, "1000")
    expect((await provider.getPaymentStatus({ data: auth })).status).toBe(PaymentSessionStatus.AUTHORIZED)
    const canceled = await provider.cancelPayment({ data: auth })
    expect(sandbox.transaction(canceled.data!.void_id as string)).toMatchObject({ type: "VOID", parentId: auth.authorization_id })
    const again = await provider.cancelPayment({ data: canceled.data })
    expect(again.data!.void_id).toBe(canceled.data!.void_id)
    expect((await provider.getPaymentStatus({ data: canceled.data })).status).toBe(PaymentSessionStatus.CANCELED)

    const { data: sale } = await paidPayment(provider, 1000)
    const error = await rejection(provider.cancelPayment({ data: sale }))
    expect(error.type).toBe(MedusaError.Types.NOT_ALLOWED)
    expect(error.message).toContain("refund it instead")
  })

  it("cancels an unpaid hosted-page session without calling the gateway's money endpoints", async () => {
    const { provider } = providerFor(sandbox)
    const initiated = await provider.initiatePayment({ amount: 1000, currency_code: "jpy", data: { session_id: "payses_6" } })
    const out = await provider.cancelPayment({ data: initiated.data })
    expect(out.data!.canceled_at).toEqual(expect.any(String))
    expect((await provider.deletePayment({ data: initiated.data })).data).toEqual(initiated.data)
  })

  it("retrievePayment reports the gateway's view without dropping stored keys", async () => {
    const { provider } = providerFor(sandbox)
    const { data } = await paidPayment(provider, 1000)
    const out = await provider.retrievePayment({ data })
    expect(out.data).toMatchObject({ ...data, gateway_status: { outcome: "succeeded", code: "INFO0000" } })
  })
})

describe("webhooks are verified with Transaction Status", () => {
  it("a genuine sale becomes captured for its session with the amount in major units", async () => {
    const { provider } = providerFor(sandbox)
    const { data } = await paidPayment(provider, 5000)
    const body = await (provider as any).client_.getTransactionStatus(data.transaction_id)
    const result = await provider.getWebhookActionAndData({ data: body, rawData: JSON.stringify(body), headers: {} })
    expect(result.action).toBe(PaymentActions.SUCCESSFUL)
    expect(result.data!.session_id).toBe(data.session_id)
    expect(MathBN.eq(result.data!.amount, 5000)).toBe(true)
  })

  it("a forged payload changes nothing", async () => {
    const { provider, logs } = providerFor(sandbox)
    const { data } = await paidPayment(provider, 5000)
    const genuine = await (provider as any).client_.getTransactionStatus(data.transaction_id)
    const unknown = { ...genuine, transaction_details: { ...genuine.transaction_details, id: "00000000-0000-4000-8000-000000000001" } }
    const otherSession = { ...genuine, merchant_details: { ...genuine.merchant_details, merchant_txn_ref: "payses_victim" } }
    for (const body of [unknown, otherSession, { hello: "world" }]) {
      const result = await provider.getWebhookActionAndData({ data: body, rawData: JSON.stringify(body), headers: {} })
      expect(result.action).toBe(PaymentActions.NOT_SUPPORTED)
      expect(result.data).toBeUndefined()
    }
    expect(JSON.stringify(logs)).not.toContain(DEFAULT_TEST_CARD)
    expect(JSON.stringify(logs)).not.toContain(sandbox.credentials.apiKey)
  })
})
