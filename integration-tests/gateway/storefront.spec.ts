import { MedusaError, PaymentSessionStatus } from "@medusajs/framework/utils"
import { DEFAULT_TEST_CARD } from "../../sandbox"
import {
  cardPayment,
  customerContext,
  newSessionId,
  providerFor,
  rejection,
  useSandbox,
} from "./helpers"

// The store API is public: whatever a storefront puts into payment-session data reaches initiatePayment. Only
// `payment_method_id` (a saved card id) and `save_card` (a boolean) are accepted; anything else, at any depth, is a
// 400 before any gateway call, so no caller can write a key the provider would later read as the gateway's word.
const sandbox = useSandbox()

const TOKEN = "0f7f3a52-94db-4781-8a3b-6c2d1e0f9a11"

const REFUSED: [string, Record<string, unknown>][] = [
  ["a provider key (transaction_id)", { transaction_id: "0b9e4c7e-0000-4000-8000-000000000001" }],
  ["3-D Secure state", { three_ds: { redirect_url: "https://evil.example/3ds", kind: "sale", started_at: "2026-01-01T00:00:00Z" } }],
  ["a secret nested under an unknown key", { foo: { authorization_id: "0b9e4c7e-0000-4000-8000-000000000002" } }],
  ["card data", { card: { number: DEFAULT_TEST_CARD, cvc: "123", expiry_month: "12", expiry_year: "30", name: "TARO" } }],
  ["card data in the card route's shape", { card_payment: cardPayment() }],
  ["a gateway card token", { stored_payment_method_id: TOKEN }],
  ["a refund ledger", { refunds: { ref_1: { status: "succeeded", amount: "1000" } }, refunded_amount: "1000" }],
  ["the checkout mode", { checkout: "s2s" }],
  ["an account holder", { account_holder_id: "acchld_victim" }],
  ["an allowed key next to a refused one", { save_card: true, hpp_link_id: "0b9e4c7e-0000-4000-8000-000000000003" }],
  ["a token as payment_method_id", { payment_method_id: TOKEN }],
  ["payment_method_id as an object", { payment_method_id: { id: "pocard_abc", token: TOKEN } }],
  ["save_card as a string", { save_card: "true" }],
  ["save_card as an object", { save_card: { value: true } }],
]

describe("initiatePayment accepts only payment_method_id and save_card from the storefront", () => {
  for (const checkoutMode of ["hosted", "server"] as const) {
    it.each(REFUSED)(`${checkoutMode}: %s is refused (400) before any gateway call`, async (_what, extra) => {
      const { provider, store } = providerFor(sandbox, { checkoutMode, ...(checkoutMode === "server" ? { allowRawCardData: true } : {}) })
      const error = await rejection(
        provider.initiatePayment({ amount: 1000, currency_code: "jpy", data: { session_id: newSessionId(), ...extra }, context: customerContext() })
      )
      expect(error.type).toBe(MedusaError.Types.INVALID_DATA)
      expect(error.message).toMatch(/may only hold|payment_method_id|save_card/)
      // Names keys, never echoes values.
      expect(error.message).not.toContain(DEFAULT_TEST_CARD)
      expect(error.message).not.toContain(TOKEN)
      expect(error.message).not.toContain("evil.example")
      expect(sandbox.requests()).toEqual([])
      expect(store.operations.size).toBe(0)
    })
  }

  it("Medusa's own session_id is not the storefront's: it is accepted and used as merchant_txn_ref", async () => {
    const { provider } = providerFor(sandbox)
    const out = await provider.initiatePayment({ amount: 1000, currency_code: "jpy", data: { session_id: "payses_medusa" } })
    expect(out.data).toMatchObject({ session_id: "payses_medusa", merchant_txn_ref: "payses_medusa" })
  })

  it("save_card false is accepted from a guest and asks for no token", async () => {
    const { provider } = providerFor(sandbox)
    const out = await provider.initiatePayment({ amount: 1000, currency_code: "jpy", data: { session_id: newSessionId(), save_card: false } })
    expect(out.status).toBe(PaymentSessionStatus.PENDING)
    expect(out.data).not.toHaveProperty("save_card")
    expect((sandbox.requests().at(-1)!.body as any).payment_method).toBeUndefined()
  })

  it("save_card true from a logged-in customer asks the hosted page for a token", async () => {
    const { provider } = providerFor(sandbox)
    const out = await provider.initiatePayment({ amount: 1000, currency_code: "jpy", data: { session_id: newSessionId(), save_card: true }, context: customerContext() })
    expect(out.data).toMatchObject({ save_card: true, account_holder_id: "acchld_alice", checkout: "hpp" })
    expect(sandbox.requests().at(-1)!.body).toMatchObject({ payment_method: { type: "scheme", store_payment_method: true } })
  })
})
