import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import type PaymentOptionsProviderService from "../../src/providers/paymentoptions/service"
import { MemoryStore } from "../helpers/memory-store"
import {
  cardPayment,
  customerContext,
  deliverWebhook,
  medusaMerge,
  moneyRequests,
  newSessionId,
  opsOf,
  payOnHostedPage,
  providerFor,
  recordTransitions,
  rejection,
  statusesOf,
  TEST_PROVIDER_ID,
  useSandbox,
} from "./helpers"

// Saved cards: the gateway issues a token only with a payment the shopper opted into (save_card); the token lives
// in the plugin's store (never in session data) and belongs to one account holder; it pays later checkouts
// server to server, in hosted and server checkout modes alike.
const sandbox = useSandbox()

const alice = () => customerContext("acchld_alice", "cus_alice")
const bob = () => customerContext("acchld_bob", "cus_bob")
const PUBLIC_CARD = { scheme: "VISA", last4: "1111", exp_month: "12", exp_year: "30" }

/** Alice pays on the hosted page opting in to save her card, then saves it: returns the saved card and its token. */
async function savedCard(store: MemoryStore, context = alice()) {
  const { provider } = providerFor(sandbox, {}, store)
  const session_id = newSessionId()
  const initiated = await provider.initiatePayment({ amount: 1000, currency_code: "jpy", data: { session_id, save_card: true }, context })
  const data = medusaMerge({ session_id }, initiated.data)
  await payOnHostedPage(data.redirect_url)
  const paid = await provider.authorizePayment({ data })
  expect(paid.status).toBe(PaymentSessionStatus.CAPTURED)
  const saved = await provider.savePaymentMethod({ data: { payment_session_id: session_id }, context } as any)
  const token = sandbox.transaction(data.hpp_link_id)!.storedPaymentMethodId!
  return { saved, token, session_id, data: medusaMerge(data, paid.data) }
}

/** A later checkout of the card's owner, paying with it. */
async function sessionWithCard(provider: PaymentOptionsProviderService, cardId: string, amount = 1500, context = alice()) {
  const session_id = newSessionId()
  const out = await provider.initiatePayment({ amount, currency_code: "jpy", data: { session_id, payment_method_id: cardId }, context })
  return medusaMerge({ session_id }, out.data)
}

describe("saving a card", () => {
  it("an account holder is Medusa's customer (the gateway has none)", async () => {
    const { provider } = providerFor(sandbox)
    expect(await provider.createAccountHolder({ context: { customer: { id: "cus_alice" } } } as any)).toEqual({ id: "po_cus_alice", data: {} })
    await expect(provider.createAccountHolder({ context: {} } as any)).rejects.toThrow("needs a customer")
    expect(sandbox.requests()).toEqual([])
  })

  it("a hosted checkout with save_card yields a token kept only in the store; list shows the card without it", async () => {
    const store = new MemoryStore()
    const { provider } = providerFor(sandbox, {}, store)
    const { saved, token, session_id, data } = await savedCard(store)
    expect(token).toMatch(/^[0-9a-f-]{36}$/)
    expect(saved).toEqual({ id: expect.stringMatching(/^pocard_/), data: PUBLIC_CARD })
    expect(opsOf(store, session_id)).toEqual([expect.objectContaining({ kind: "sale", status: "succeeded", account_holder_id: "acchld_alice", issued_token: token })])
    expect([...store.cards.values()]).toEqual([
      expect.objectContaining({ id: saved.id, token, account_holder_id: "acchld_alice", customer_id: "cus_alice", provider_id: TEST_PROVIDER_ID, last4: "1111" }),
    ])
    expect(JSON.stringify(data)).not.toContain(token)

    const listed = await provider.listPaymentMethods({ context: alice() } as any)
    expect(listed).toEqual([{ id: saved.id, data: PUBLIC_CARD }])
    expect(JSON.stringify(listed)).not.toContain(token)
    // Saving the same checkout again keeps one card.
    expect((await provider.savePaymentMethod({ data: { payment_session_id: session_id }, context: alice() } as any)).id).toBe(saved.id)
    expect(store.cards.size).toBe(1)
  })

  it("the card route saves a card too (save_card with card data): the PRE_AUTH asks for the token", async () => {
    const { provider, store } = providerFor(sandbox, { checkoutMode: "server", captureMode: "manual", allowRawCardData: true })
    const session_id = newSessionId()
    const initiated = await provider.initiatePayment({ amount: 2000, currency_code: "jpy", data: { session_id, save_card: true }, context: alice() })
    const data = medusaMerge({ session_id }, initiated.data)
    const updated = await provider.updatePayment({ amount: 2000, currency_code: "jpy", data: { ...data, card_payment: cardPayment() } })
    expect(updated.status).toBe(PaymentSessionStatus.AUTHORIZED)
    expect(moneyRequests(sandbox, "/authorizationv2")[0].body).toMatchObject({ payment_method: { type: "scheme", store_payment_method: true } })
    const [auth] = opsOf(store, session_id)
    expect(auth.issued_token).toEqual(expect.any(String))
    expect(JSON.stringify(updated.data)).not.toContain(auth.issued_token!)
    const saved = await provider.savePaymentMethod({ data: { payment_session_id: session_id }, context: alice() } as any)
    expect(saved.data).toEqual(PUBLIC_CARD)
  })

  it("a checkout without the opt-in issues no token and has nothing to save", async () => {
    const { provider, store } = providerFor(sandbox)
    const session_id = newSessionId()
    const initiated = await provider.initiatePayment({ amount: 1000, currency_code: "jpy", data: { session_id }, context: alice() })
    const data = medusaMerge({ session_id }, initiated.data)
    await payOnHostedPage(data.redirect_url)
    await provider.authorizePayment({ data })
    expect(sandbox.transaction(data.hpp_link_id)!.storedPaymentMethodId).toBeUndefined()
    const error = await rejection(provider.savePaymentMethod({ data: { payment_session_id: session_id }, context: alice() } as any))
    expect(error.type).toBe(MedusaError.Types.NOT_ALLOWED)
    expect(store.cards.size).toBe(0)
  })
})

describe("paying with a saved card", () => {
  it("automatic capture: one paymentv2 sale with the token and no card data; the session data never holds the token", async () => {
    const store = new MemoryStore()
    const { saved, token } = await savedCard(store)
    const { provider } = providerFor(sandbox, {}, store) // a hosted-mode store still charges saved cards server to server
    const data = await sessionWithCard(provider, saved.id)
    expect(data).toMatchObject({ checkout: "s2s", payment_method_id: saved.id, account_holder_id: "acchld_alice", card: PUBLIC_CARD })
    expect(JSON.stringify(data)).not.toContain(token)
    expect(sandbox.requests().filter((r) => r.path.endsWith("/hpp/generate/link"))).toHaveLength(1) // the first checkout's only
    await store.setClientIp(data.session_id, "203.0.113.9") // the plugin's route records the shopper's IP

    const paid = await provider.authorizePayment({ data })
    expect(paid.status).toBe(PaymentSessionStatus.CAPTURED)
    const [sent] = moneyRequests(sandbox, "/paymentv2")
    expect(sent.body).toMatchObject({
      amount: "1500",
      merchant_txn_ref: data.session_id,
      customer_ip: "203.0.113.9",
      payment_method: { type: "scheme", store_payment_method: true, stored_payment_method_id: token },
    })
    expect((sent.body as any).card).toBeUndefined()
    expect(sandbox.transaction(paid.data!.transaction_id as string)).toMatchObject({ type: "CAPTURE", amount: "1500", merchantTxnRef: data.session_id })
    expect(JSON.stringify(medusaMerge(data, paid.data))).not.toContain(token)
    expect(opsOf(store, data.session_id)).toEqual([expect.objectContaining({ kind: "sale", status: "succeeded", client_ip: "203.0.113.9" })])
    expect(moneyRequests(sandbox)).toHaveLength(1)
  })

  it("manual capture authorizes with the token (PRE_AUTH), captured later", async () => {
    const store = new MemoryStore()
    const { saved, token } = await savedCard(store)
    const { provider } = providerFor(sandbox, { checkoutMode: "server", captureMode: "manual", allowRawCardData: true }, store)
    const data = await sessionWithCard(provider, saved.id, 700)
    const out = await provider.authorizePayment({ data })
    expect(out.status).toBe(PaymentSessionStatus.AUTHORIZED)
    expect(moneyRequests(sandbox, "/authorizationv2")[0].body).toMatchObject({ payment_method: { stored_payment_method_id: token } })
    const [auth] = opsOf(store, data.session_id)
    expect(sandbox.transaction(auth.transaction_id!)).toMatchObject({ type: "PRE_AUTH", amount: "700" })
    const captured = await provider.capturePayment({ data: medusaMerge(data, out.data) })
    expect(sandbox.transaction(captured.data!.transaction_id as string)).toMatchObject({ type: "CAPTURE", parentId: auth.transaction_id })
  })

  it("a declined token sale answers error and is not retried with the card by itself", async () => {
    const store = new MemoryStore()
    const { saved } = await savedCard(store)
    const { provider } = providerFor(sandbox, {}, store)
    const data = await sessionWithCard(provider, saved.id)
    sandbox.addFault({ op: "payment", fault: "decline" })
    const out = await provider.authorizePayment({ data })
    expect(out.status).toBe(PaymentSessionStatus.ERROR)
    expect(out.data!.last_error).toMatchObject({ code: "ERR0204", response_code: 5 })
    expect((await provider.authorizePayment({ data: medusaMerge(data, out.data) })).status).toBe(PaymentSessionStatus.ERROR)
    expect(moneyRequests(sandbox, "/paymentv2")).toHaveLength(1)
  })

  it("a sale whose answer timed out is recorded unknown; authorizing again sends no second paymentv2; the verified webhook settles it", async () => {
    const store = new MemoryStore()
    const { saved } = await savedCard(store)
    const { provider, logs } = providerFor(sandbox, { timeoutMs: 400 }, store)
    const log = recordTransitions(store, sandbox)
    const data = await sessionWithCard(provider, saved.id, 2200)
    sandbox.addFault({ op: "payment", fault: "timeout_after", delayMs: 1500 })

    const first = await provider.authorizePayment({ data })
    expect(first.status).toBe(PaymentSessionStatus.PENDING)
    expect(first.data!.attempt).toMatchObject({ kind: "sale", status: "unknown" })
    expect(opsOf(store, data.session_id)).toEqual([expect.objectContaining({ kind: "sale", status: "unknown", transaction_id: null })])
    expect(logs.some((l) => l.startsWith("warn") && l.includes("NOT resent"))).toBe(true)

    // Medusa tries to complete the cart again: pending, nothing sent.
    const stored = medusaMerge(data, first.data)
    const second = await provider.authorizePayment({ data: stored })
    expect(second.status).toBe(PaymentSessionStatus.PENDING)
    expect(moneyRequests(sandbox, "/paymentv2")).toHaveLength(1)

    const sale = sandbox.transactions().find((t) => t.merchantTxnRef === data.session_id)!
    const action = await deliverWebhook(provider, sandbox, (body) => body?.transaction_details?.id === sale.id)
    expect(action).toMatchObject({ action: PaymentActions.SUCCESSFUL, data: { session_id: data.session_id } })
    expect(store.webhooks).toEqual(expect.arrayContaining([expect.objectContaining({ transaction_id: sale.id, session_id: data.session_id })]))

    const settled = await provider.authorizePayment({ data: stored })
    expect(settled.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(settled.data).toMatchObject({ transaction_id: sale.id, attempt: null, amount: "2200" })
    expect(statusesOf(log, "sale")).toEqual(["sending", "unknown", "succeeded"])
    expect(moneyRequests(sandbox, "/paymentv2")).toHaveLength(1)
    expect(sandbox.transactions().filter((t) => t.merchantTxnRef === data.session_id)).toHaveLength(1)
  })
})

describe("a saved card belongs to one account holder", () => {
  it("another account holder can neither pay with, save from, list nor delete it", async () => {
    const store = new MemoryStore()
    const { saved, session_id } = await savedCard(store)
    const { provider } = providerFor(sandbox, {}, store)
    const before = sandbox.requests().length

    const pay = await rejection(sessionWithCard(provider, saved.id, 1000, bob()))
    expect(pay.type).toBe(MedusaError.Types.NOT_ALLOWED)
    expect(pay.message).toContain("does not belong to this customer")
    const save = await rejection(provider.savePaymentMethod({ data: { payment_session_id: session_id }, context: bob() } as any))
    expect(save.type).toBe(MedusaError.Types.NOT_ALLOWED)
    expect(await provider.listPaymentMethods({ context: bob() } as any)).toEqual([])
    const del = await rejection(provider.deletePaymentMethod({ data: { id: saved.id }, context: bob() }))
    expect(del.type).toBe(MedusaError.Types.NOT_FOUND)

    // An account holder of another payment provider is not this provider's customer.
    const foreign = { ...alice(), account_holder: { id: "acchld_alice", provider_id: "pp_stripe_stripe" } }
    await expect(sessionWithCard(provider, saved.id, 1000, foreign)).rejects.toThrow("log the customer in")

    expect(store.cards.size).toBe(1)
    expect(sandbox.requests()).toHaveLength(before)
  })

  it("guests can neither save a card nor pay with one, and list none", async () => {
    const store = new MemoryStore()
    const { saved, session_id } = await savedCard(store)
    const { provider } = providerFor(sandbox, {}, store)
    const before = sandbox.requests().length
    for (const data of [{ save_card: true }, { payment_method_id: saved.id }]) {
      const error = await rejection(provider.initiatePayment({ amount: 1000, currency_code: "jpy", data: { session_id: newSessionId(), ...data } }))
      expect(error.type).toBe(MedusaError.Types.NOT_ALLOWED)
      expect(error.message).toContain("log the customer in")
    }
    const save = await rejection(provider.savePaymentMethod({ data: { payment_session_id: session_id } } as any))
    expect(save.type).toBe(MedusaError.Types.INVALID_DATA)
    expect(await provider.listPaymentMethods({} as any)).toEqual([])
    expect(sandbox.requests()).toHaveLength(before)
  })

  it("a deleted card no longer pays: the session answers error without calling the gateway", async () => {
    const store = new MemoryStore()
    const { saved } = await savedCard(store)
    const { provider } = providerFor(sandbox, {}, store)
    const data = await sessionWithCard(provider, saved.id)
    expect(await provider.deletePaymentMethod({ data: { id: saved.id }, context: alice() })).toEqual({ data: { id: saved.id } })
    expect(await provider.listPaymentMethods({ context: alice() } as any)).toEqual([])

    const out = await provider.authorizePayment({ data })
    expect(out.status).toBe(PaymentSessionStatus.ERROR)
    expect((out.data!.last_error as any).message).toContain("no longer available")
    expect(moneyRequests(sandbox, "/paymentv2")).toEqual([])
  })

  it("deleting the account holder removes its cards", async () => {
    const store = new MemoryStore()
    await savedCard(store)
    const { provider } = providerFor(sandbox, {}, store)
    await provider.deleteAccountHolder({ context: alice() } as any)
    expect(store.cards.size).toBe(0)
  })
})
