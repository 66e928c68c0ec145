import axios from "axios"
import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import { DECLINE_CARDS, DEFAULT_TEST_CARD, Sandbox, startSandbox, THREE_DS_CARD } from "../../sandbox"
import { webhookSignature, WEBHOOK_SIGNATURE_HEADER } from "../../src/providers/paymentoptions/webhook-signature"
import { providerFor, rejection } from "./helpers"

// Server-to-server checkout (saved card token, card data, 3-D Secure) and webhook checks, over real HTTP.
let sandbox: Sandbox

beforeAll(async () => {
  sandbox = await startSandbox()
})
afterAll(async () => {
  await sandbox.close()
})
beforeEach(() => {
  sandbox.clearFaults()
  sandbox.configure({ hppTransactionId: "link", threeDsBodyHasTransactionId: true, webhookDuplicates: 0 })
})

let n = 0
const card = (number = DEFAULT_TEST_CARD) => ({
  card: { number, cvc: "123", expiry_month: "12", expiry_year: "30", name: "TARO YAMADA" },
  customer_ip: "203.0.113.7",
})

function server(captureMode: "automatic" | "manual") {
  return providerFor(sandbox, { checkoutMode: "server", captureMode, allowRawCardData: true })
}

async function session(provider: any, amount = 4000, data: Record<string, unknown> = {}) {
  const session_id = `payses_s2s_${Date.now()}_${++n}`
  return (await provider.initiatePayment({ amount, currency_code: "jpy", data: { session_id, ...data } })).data
}

async function completeChallenge(redirectUrl: string, outcome: "pass" | "fail") {
  const res = await axios.post(`${redirectUrl}/complete`, { outcome }, { headers: { Accept: "application/json" }, validateStatus: () => true })
  if (res.status !== 200) throw new Error(`challenge answered ${res.status}`)
}

describe("card data (checkoutMode server)", () => {
  it("is pre-authorized on the store route's update, captured when the cart completes (automatic)", async () => {
    const { provider, logs } = server("automatic")
    const initiated = await session(provider)
    expect(initiated).toMatchObject({ checkout: "s2s", amount: "4000" })
    expect(sandbox.requests().some((r) => r.path.includes("/hpp/"))).toBe(false)

    const updated = await provider.updatePayment({ amount: 4000, currency_code: "jpy", data: { ...initiated, card_payment: card() } })
    expect(updated.status).toBe(PaymentSessionStatus.AUTHORIZED)
    expect(updated.data).not.toHaveProperty("card_payment")
    expect(JSON.stringify(updated.data)).not.toContain(DEFAULT_TEST_CARD)
    const authId = updated.data!.authorization_id as string
    expect(sandbox.transaction(authId)).toMatchObject({ type: "PRE_AUTH", status: "succeeded", amount: "4000" })

    const authorized = await provider.authorizePayment({ data: updated.data, context: { idempotency_key: "payses_x" } })
    expect(authorized.status).toBe(PaymentSessionStatus.CAPTURED)
    const captureId = authorized.data!.transaction_id as string
    expect(sandbox.transaction(captureId)).toMatchObject({ type: "CAPTURE", parentId: authId, amount: "4000" })
    expect(authorized.data!.card).toEqual({ scheme: "VISA", last4: "1111", exp_month: "12", exp_year: "30" })
    expect(JSON.stringify(logs)).not.toContain(DEFAULT_TEST_CARD)
  })

  it("stays authorized in manual mode until capturePayment, which captures once", async () => {
    const { provider } = server("manual")
    const initiated = await session(provider, 2500)
    const updated = await provider.updatePayment({ amount: 2500, currency_code: "jpy", data: { ...initiated, card_payment: card() } })
    const authorized = await provider.authorizePayment({ data: updated.data })
    expect(authorized.status).toBe(PaymentSessionStatus.AUTHORIZED)
    expect(authorized.data!.transaction_id).toBeUndefined()
    const captured = await provider.capturePayment({ data: authorized.data, context: { idempotency_key: "capt_1" } })
    const again = await provider.capturePayment({ data: captured.data })
    expect(again.data!.transaction_id).toBe(captured.data!.transaction_id)
    expect(sandbox.transactions().filter((t) => t.type === "CAPTURE" && t.parentId === authorized.data!.authorization_id)).toHaveLength(1)
  })

  it("a declined card becomes status error with the gateway's reason, and another card can follow", async () => {
    const { provider } = server("automatic")
    const initiated = await session(provider)
    const declined = await provider.updatePayment({ amount: 4000, currency_code: "jpy", data: { ...initiated, card_payment: card(Object.keys(DECLINE_CARDS)[1]) } })
    expect(declined.status).toBe(PaymentSessionStatus.ERROR)
    expect(declined.data!.last_error).toMatchObject({ response_code: DECLINE_CARDS[Object.keys(DECLINE_CARDS)[1]] })
    const retried = await provider.updatePayment({ amount: 4000, currency_code: "jpy", data: { ...declined.data, card_payment: card() } })
    expect(retried.status).toBe(PaymentSessionStatus.AUTHORIZED)
  })

  it("refuses malformed card data without echoing it, and card data in session data", async () => {
    const { provider } = server("automatic")
    const initiated = await session(provider)
    const bad = { card: { number: "4111-1111", cvc: "12", expiry_month: "13", expiry_year: "2030", name: "" } }
    const error = await rejection(provider.updatePayment({ amount: 4000, currency_code: "jpy", data: { ...initiated, card_payment: bad } }))
    expect(error.message).toContain("invalid card data (card.number, card.cvc, card.expiry_month, card.expiry_year, card.name)")
    expect(error.message).not.toContain("4111")
    await expect(session(provider, 4000, { card: { number: DEFAULT_TEST_CARD } })).rejects.toThrow("card data must not be sent in payment-session data")
  })

  it("an amount change after the card was authorized releases the hold; the card is asked again", async () => {
    const { provider } = server("automatic")
    const initiated = await session(provider)
    const authorized = await provider.updatePayment({ amount: 4000, currency_code: "jpy", data: { ...initiated, card_payment: card() } })
    const oldAuth = authorized.data!.authorization_id as string

    const same = await provider.updatePayment({ amount: 4000, currency_code: "jpy", data: authorized.data })
    expect(same.status).toBeUndefined() // nothing changed: Medusa keeps the session authorized
    expect(same.data!.authorization_id).toBe(oldAuth)

    const changed = await provider.updatePayment({ amount: 4500, currency_code: "jpy", data: authorized.data })
    expect(changed.status).toBe(PaymentSessionStatus.PENDING)
    expect(changed.data).toMatchObject({ amount: "4500", authorization_id: null })
    expect(sandbox.transactions().find((t) => t.type === "VOID" && t.parentId === oldAuth)).toBeDefined()
    expect((await provider.authorizePayment({ data: changed.data })).status).toBe(PaymentSessionStatus.ERROR)

    const again = await provider.updatePayment({ amount: 4500, currency_code: "jpy", data: { ...changed.data, card_payment: card() } })
    expect(again.status).toBe(PaymentSessionStatus.AUTHORIZED)
    expect(sandbox.transaction(again.data!.authorization_id as string)).toMatchObject({ type: "PRE_AUTH", amount: "4500" })
  })

  it("is refused unless the merchant enabled card data", async () => {
    const { provider } = providerFor(sandbox, { checkoutMode: "server" })
    const initiated = await session(provider)
    await expect(provider.updatePayment({ amount: 4000, currency_code: "jpy", data: { ...initiated, card_payment: card() } })).rejects.toThrow(
      "card data is not accepted by this store"
    )
  })
})

describe("3-D Secure", () => {
  it.each([true, false])("challenge passed -> authorized, then captured (answer names the transaction: %s)", async (hasId) => {
    sandbox.configure({ threeDsBodyHasTransactionId: hasId })
    const { provider } = server("automatic")
    const initiated = await session(provider)
    const challenged = await provider.updatePayment({ amount: 4000, currency_code: "jpy", data: { ...initiated, card_payment: card(THREE_DS_CARD) } })
    expect(challenged.status).toBe(PaymentSessionStatus.REQUIRES_MORE)
    const threeDs = challenged.data!.three_ds as any
    expect(threeDs.redirect_url).toMatch(/\/3ds\//)
    expect(threeDs.transaction_id === null).toBe(!hasId)

    // Before the shopper finishes: still requires_more.
    expect((await provider.authorizePayment({ data: challenged.data })).status).toBe(PaymentSessionStatus.REQUIRES_MORE)
    await completeChallenge(threeDs.redirect_url, "pass")

    let data = challenged.data!
    if (!hasId) {
      // Only the (verified) webhook names the transaction; the provider records it on the session.
      const mine = () => sandbox.webhooks().find((w) => (w.body as any).merchant_details?.merchant_txn_ref === initiated.session_id)
      for (let i = 0; i < 100 && !mine(); i++) await new Promise((r) => setTimeout(r, 20))
      const delivery = mine()!
      data = { ...data, webhook_transaction_id: (delivery.body as any).transaction_details.id }
    }
    const authorized = await provider.authorizePayment({ data })
    expect(authorized.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(authorized.data!.three_ds).toBeNull()
    expect(sandbox.transaction(authorized.data!.transaction_id as string)).toMatchObject({ type: "CAPTURE", status: "succeeded" })
  })

  it("challenge failed -> error with the gateway's reason, nothing to capture", async () => {
    const { provider } = server("automatic")
    const initiated = await session(provider)
    const challenged = await provider.updatePayment({ amount: 4000, currency_code: "jpy", data: { ...initiated, card_payment: card(THREE_DS_CARD) } })
    await completeChallenge((challenged.data!.three_ds as any).redirect_url, "fail")
    const out = await provider.authorizePayment({ data: challenged.data })
    expect(out.status).toBe(PaymentSessionStatus.ERROR)
    expect(out.data!.last_error).toMatchObject({ response_code: 937 })
    expect(out.data!.transaction_id).toBeUndefined()
  })
})

describe("saved card token", () => {
  it("a card saved on a first payment pays a second one (sale), with no card data", async () => {
    const { provider } = server("automatic")
    const first = await session(provider)
    const saved = await provider.updatePayment({ amount: 4000, currency_code: "jpy", data: { ...first, card_payment: { ...card(), store_card: true } } })
    const token = saved.data!.stored_payment_method_id as string
    expect(token).toEqual(expect.any(String))

    const { provider: tokenProvider } = providerFor(sandbox) // a hosted-mode store still takes saved cards
    const second = await session(tokenProvider, 1500, { stored_payment_method_id: token })
    expect(second).toMatchObject({ checkout: "s2s" })
    const paid = await tokenProvider.authorizePayment({ data: second })
    expect(paid.status).toBe(PaymentSessionStatus.CAPTURED)
    const sent = sandbox.requests().filter((r) => r.path.endsWith("/paymentv2")).at(-1)!.body as any
    expect(sent.payment_method.stored_payment_method_id).toBe(token)
    expect(sent.card).toBeUndefined()
    expect(sandbox.transaction(paid.data!.transaction_id as string)).toMatchObject({ type: "CAPTURE", amount: "1500" })
  })

  it("manual mode authorizes with the token", async () => {
    const { provider } = server("automatic")
    const first = await session(provider)
    const saved = await provider.updatePayment({ amount: 4000, currency_code: "jpy", data: { ...first, card_payment: { ...card(), store_card: true } } })
    const { provider: manual } = server("manual")
    const second = await session(manual, 700, { stored_payment_method_id: saved.data!.stored_payment_method_id })
    const out = await manual.authorizePayment({ data: second })
    expect(out.status).toBe(PaymentSessionStatus.AUTHORIZED)
    expect(sandbox.transaction(out.data!.authorization_id as string)).toMatchObject({ type: "PRE_AUTH", amount: "700" })
  })

  it("without a token or card the session cannot be authorized", async () => {
    const { provider } = server("automatic")
    const out = await provider.authorizePayment({ data: await session(provider) })
    expect(out.status).toBe(PaymentSessionStatus.ERROR)
    expect((out.data!.last_error as any).message).toContain("No card")
  })
})

describe("webhooks with a shared secret", () => {
  it("are only accepted with the stamp of the secret-carrying route", async () => {
    const secret = "s3cret-webhook-token-0123456789abcdef"
    const { provider } = providerFor(sandbox, { webhookSecret: secret, backendUrl: "https://shop.example" })
    expect((provider as any).options_.hookUrl).toBe(`https://shop.example/hooks/paymentoptions/paymentoptions_paymentoptions/${secret}`)
    const initiated = await provider.initiatePayment({ amount: 1000, currency_code: "jpy", data: { session_id: `payses_wh_${++n}` } })
    await axios.post(`${initiated.data!.redirect_url}/pay`, { card_number: DEFAULT_TEST_CARD, card_name: "A", exp_month: "12", exp_year: "30", cvc: "123" }, { headers: { Accept: "application/json" } })
    const body = await (provider as any).client_.getTransactionStatus(initiated.data!.hpp_link_id)
    const rawData = JSON.stringify(body)

    const unsigned = await provider.getWebhookActionAndData({ data: body, rawData, headers: {} })
    expect(unsigned.action).toBe(PaymentActions.NOT_SUPPORTED)
    const forged = await provider.getWebhookActionAndData({ data: body, rawData, headers: { [WEBHOOK_SIGNATURE_HEADER]: webhookSignature("wrong-secret-wrong-secret-wrong", rawData) } })
    expect(forged.action).toBe(PaymentActions.NOT_SUPPORTED)
    const stamped = await provider.getWebhookActionAndData({ data: body, rawData, headers: { [WEBHOOK_SIGNATURE_HEADER]: webhookSignature(secret, rawData) } })
    expect(stamped.action).toBe(PaymentActions.SUCCESSFUL)
  })

  it("boot refuses a short secret and manual capture on the hosted page", () => {
    expect(() => providerFor(sandbox, { webhookSecret: "short" })).toThrow('"webhookSecret"')
    expect(() => providerFor(sandbox, { captureMode: "manual" })).toThrow('"captureMode" "manual" needs "checkoutMode" "server"')
  })
})

describe("errors of capture", () => {
  it("a capture the gateway already made is reported, not repeated", async () => {
    const { provider } = server("manual")
    const initiated = await session(provider, 900)
    const updated = await provider.updatePayment({ amount: 900, currency_code: "jpy", data: { ...initiated, card_payment: card() } })
    const authorized = await provider.authorizePayment({ data: updated.data })
    await provider.capturePayment({ data: authorized.data })
    // Stale data (the capture's id was never stored): the gateway refuses a second capture.
    const error = await rejection(provider.capturePayment({ data: authorized.data }))
    expect(error.type).toBe(MedusaError.Types.NOT_ALLOWED)
    expect(error.message).toContain("ERR0204")
    expect(sandbox.transactions().filter((t) => t.type === "CAPTURE" && t.parentId === authorized.data!.authorization_id)).toHaveLength(1)
  })
})
