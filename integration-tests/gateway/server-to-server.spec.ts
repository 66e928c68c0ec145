import axios from "axios"
import { MedusaError, PaymentActions, PaymentSessionStatus } from "@medusajs/framework/utils"
import { DECLINE_CARDS, DEFAULT_TEST_CARD, THREE_DS_CARD } from "../../sandbox"
import type PaymentOptionsProviderService from "../../src/providers/paymentoptions/service"
import { webhookSignature, WEBHOOK_SIGNATURE_HEADER } from "../../src/providers/paymentoptions/webhook-signature"
import {
  cardPayment,
  deliverWebhook,
  medusaMerge,
  moneyRequests,
  naming,
  newSessionId,
  opsOf,
  providerFor,
  recordTransitions,
  rejection,
  statusesOf,
  useSandbox,
} from "./helpers"

// Server-to-server checkout (card data through updatePayment's card_payment, 3-D Secure), unknown outcomes of card
// payments and captures, and webhook secrets, over real HTTP against the sandbox.
const sandbox = useSandbox()

const declineCard = Object.keys(DECLINE_CARDS)[1]

function server(captureMode: "automatic" | "manual", overrides: Record<string, unknown> = {}) {
  return providerFor(sandbox, { checkoutMode: "server", captureMode, allowRawCardData: true, ...overrides })
}

/** A server-mode session as Medusa stores it. */
async function session(provider: PaymentOptionsProviderService, amount = 4000) {
  const session_id = newSessionId()
  const out = await provider.initiatePayment({ amount, currency_code: "jpy", data: { session_id } })
  return medusaMerge({ session_id }, out.data)
}

/** The card route: updatePayment with card data in memory; returns the answer and the data Medusa then stores. */
async function payByCard(provider: PaymentOptionsProviderService, data: Record<string, any>, number = DEFAULT_TEST_CARD, amount = Number(data.amount)) {
  const out = await provider.updatePayment({ amount, currency_code: "jpy", data: { ...data, card_payment: cardPayment(number) } })
  return { out, data: medusaMerge(data, out.data) }
}

async function completeChallenge(redirectUrl: string, outcome: "pass" | "fail") {
  const res = await axios.post(`${redirectUrl}/complete`, { outcome }, { headers: { Accept: "application/json" }, validateStatus: () => true })
  if (res.status !== 200) throw new Error(`challenge answered ${res.status}`)
}

const bySession = (sessionId: string) => (body: any) => body?.merchant_details?.merchant_txn_ref === sessionId

describe("card data (checkoutMode server)", () => {
  it("is pre-authorized on the card route's update (logged before it is sent), captured when the cart completes (automatic)", async () => {
    const { provider, store, logs } = server("automatic")
    const log = recordTransitions(store, sandbox)
    const initiated = await session(provider)
    expect(initiated).toMatchObject({ checkout: "s2s", amount: "4000", merchant_txn_ref: initiated.session_id })
    expect(sandbox.requests()).toEqual([]) // no link, no call at all

    const { out: updated, data } = await payByCard(provider, initiated)
    expect(updated.status).toBe(PaymentSessionStatus.AUTHORIZED)
    expect(Object.keys(updated.data!).sort()).toEqual(["attempt", "authorized_at", "card", "last_error", "three_ds"])
    expect(JSON.stringify(updated.data)).not.toContain(DEFAULT_TEST_CARD)
    const [auth] = opsOf(store, initiated.session_id)
    expect(auth).toMatchObject({ kind: "pre_auth", status: "succeeded", client_ip: "203.0.113.7", amount: "4000", card: { last4: "1111" } })
    expect(sandbox.transaction(auth.transaction_id!)).toMatchObject({ type: "PRE_AUTH", status: "succeeded", amount: "4000", merchantTxnRef: initiated.session_id })
    expect(JSON.stringify(data)).not.toContain(auth.transaction_id!)
    const sent = moneyRequests(sandbox, "/authorizationv2")
    expect(sent).toHaveLength(1)
    expect(sent[0].body).toMatchObject({
      amount: "4000",
      currency: "JPY",
      merchant_txn_ref: initiated.session_id,
      customer_ip: "203.0.113.7", // from the route's request, never from the body
      payment_method: { type: "scheme", store_payment_method: false },
    })

    const authorized = await provider.authorizePayment({ data, context: { idempotency_key: "payses_x" } })
    expect(authorized.status).toBe(PaymentSessionStatus.CAPTURED)
    const captureId = authorized.data!.transaction_id as string
    expect(sandbox.transaction(captureId)).toMatchObject({ type: "CAPTURE", parentId: auth.transaction_id, amount: "4000", notes: "Medusa capture session payses_x" })
    expect(medusaMerge(data, authorized.data)).toMatchObject({
      transaction_id: captureId,
      amount: "4000",
      refunded_amount: "0",
      card: { scheme: "VISA", last4: "1111", exp_month: "12", exp_year: "30" },
    })
    // One intent, one request: each written as "sending" before the gateway had seen it.
    expect(log.filter((t) => t.status === "sending")).toEqual([
      expect.objectContaining({ kind: "pre_auth", sentBefore: 0 }),
      expect.objectContaining({ kind: "capture", sentBefore: 1 }),
    ])
    expect(statusesOf(log, "pre_auth")).toEqual(["sending", "succeeded"])
    expect(statusesOf(log, "capture")).toEqual(["sending", "succeeded"])
    expect(moneyRequests(sandbox)).toHaveLength(2)
    expect(JSON.stringify(logs)).not.toContain(DEFAULT_TEST_CARD)
    expect(JSON.stringify([...store.operations.values()])).not.toContain(DEFAULT_TEST_CARD)
  })

  it("stays authorized in manual mode until capturePayment, which captures once", async () => {
    const { provider, store } = server("manual")
    const { data } = await payByCard(provider, await session(provider, 2500))
    const authorized = await provider.authorizePayment({ data })
    expect(authorized.status).toBe(PaymentSessionStatus.AUTHORIZED)
    expect(authorized.data!.transaction_id).toBeUndefined()
    const stored = medusaMerge(data, authorized.data)
    const captured = await provider.capturePayment({ data: stored, context: { idempotency_key: "capt_1" } })
    expect(await provider.capturePayment({ data: medusaMerge(stored, captured.data) })).toEqual({ data: {} })
    const [auth] = opsOf(store, data.session_id)
    expect(sandbox.transactions().filter((t) => t.type === "CAPTURE" && t.parentId === auth.transaction_id)).toHaveLength(1)
    expect(moneyRequests(sandbox, "/capture")).toHaveLength(1)
  })

  it("a declined card becomes status error with the gateway's reason; another card can follow", async () => {
    const { provider, store } = server("automatic")
    const initiated = await session(provider)
    const declined = await payByCard(provider, initiated, declineCard)
    expect(declined.out.status).toBe(PaymentSessionStatus.ERROR)
    expect(declined.out.data!.last_error).toMatchObject({ response_code: DECLINE_CARDS[declineCard] })
    const retried = await payByCard(provider, declined.data)
    expect(retried.out.status).toBe(PaymentSessionStatus.AUTHORIZED)
    expect(retried.out.data!.last_error).toBeNull()
    expect(opsOf(store, initiated.session_id).map((op) => [op.kind, op.status])).toEqual([
      ["pre_auth", "declined"],
      ["pre_auth", "succeeded"],
    ])
    expect(await store.countCardAttempts({ session_id: initiated.session_id })).toBe(2)
  })

  it("a second card while one is authorized is refused before any call", async () => {
    const { provider } = server("automatic")
    const { data } = await payByCard(provider, await session(provider))
    const error = await rejection(payByCard(provider, data))
    expect(error.type).toBe(MedusaError.Types.NOT_ALLOWED)
    expect(error.message).toContain("already has a card payment")
    expect(moneyRequests(sandbox)).toHaveLength(1)
  })

  it("refuses malformed card data without echoing it, before any call or log entry", async () => {
    const { provider, store } = server("automatic")
    const initiated = await session(provider)
    const bad = { card: { number: "4111-1111", cvc: "12", expiry_month: "13", expiry_year: "2030", name: "" }, client_ip: "203.0.113.7" }
    const error = await rejection(provider.updatePayment({ amount: 4000, currency_code: "jpy", data: { ...initiated, card_payment: bad } }))
    expect(error.type).toBe(MedusaError.Types.INVALID_DATA)
    expect(error.message).toContain("invalid card data (card.number, card.cvc, card.expiry_month, card.expiry_year, card.name)")
    expect(error.message).not.toContain("4111")
    expect(sandbox.requests()).toEqual([])
    expect(store.operations.size).toBe(0)
  })

  it("an amount change after the card was authorized releases the hold; the card is asked again", async () => {
    const { provider, store } = server("automatic")
    const { data: authorized } = await payByCard(provider, await session(provider))
    const [oldAuth] = opsOf(store, authorized.session_id)

    const same = await provider.updatePayment({ amount: 4000, currency_code: "jpy", data: authorized })
    expect(same).toEqual({ data: {} }) // nothing changed: Medusa keeps the session authorized

    const changed = await provider.updatePayment({ amount: 4500, currency_code: "jpy", data: authorized })
    expect(changed.status).toBe(PaymentSessionStatus.PENDING)
    expect(changed.data).toEqual({ amount: "4500", medusa_amount: "4500", currency_code: "jpy", authorized_at: null, three_ds: null, attempt: null, last_error: null })
    expect(sandbox.transactions().filter((t) => t.type === "VOID")).toEqual([expect.objectContaining({ parentId: oldAuth.transaction_id })])
    const data = medusaMerge(authorized, changed.data)
    const noCard = await provider.authorizePayment({ data })
    expect(noCard.status).toBe(PaymentSessionStatus.ERROR)
    expect((noCard.data!.last_error as any).message).toContain("No card")

    const again = await payByCard(provider, data)
    expect(again.out.status).toBe(PaymentSessionStatus.AUTHORIZED)
    const newAuth = opsOf(store, data.session_id).filter((op) => op.kind === "pre_auth").at(-1)!
    expect(newAuth.transaction_id).not.toBe(oldAuth.transaction_id)
    expect(sandbox.transaction(newAuth.transaction_id!)).toMatchObject({ type: "PRE_AUTH", amount: "4500" })
    const captured = await provider.authorizePayment({ data: again.data })
    expect(captured.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(sandbox.transaction(captured.data!.transaction_id as string)).toMatchObject({ type: "CAPTURE", parentId: newAuth.transaction_id, amount: "4500" })
    expect(moneyRequests(sandbox, "/void")).toHaveLength(1)
  })

  it("is refused unless the merchant enabled card data", async () => {
    const { provider } = providerFor(sandbox, { checkoutMode: "server" })
    const initiated = await session(provider)
    await expect(payByCard(provider, initiated)).rejects.toThrow("card data is not accepted by this store")
    expect(sandbox.requests()).toEqual([])
  })
})

describe("3-D Secure", () => {
  it.each([true, false])("challenge passed -> authorized, then captured (the answer names the transaction: %s)", async (hasId) => {
    sandbox.configure({ threeDsBodyHasTransactionId: hasId })
    const { provider, store } = server("automatic")
    const initiated = await session(provider)
    const challenged = await payByCard(provider, initiated, THREE_DS_CARD)
    expect(challenged.out.status).toBe(PaymentSessionStatus.REQUIRES_MORE)
    const threeDs = challenged.data.three_ds
    expect(threeDs).toEqual({ redirect_url: expect.stringMatching(/\/3ds\//), kind: "pre_auth", started_at: expect.any(String) })
    const [op] = opsOf(store, initiated.session_id)
    expect(op).toMatchObject({ kind: "pre_auth", status: "pending", transaction_id: hasId ? expect.any(String) : null })

    // Before the shopper finishes: still requires_more.
    expect((await provider.authorizePayment({ data: challenged.data })).status).toBe(PaymentSessionStatus.REQUIRES_MORE)
    await completeChallenge(threeDs.redirect_url, "pass")

    if (!hasId) {
      // Nothing names the transaction yet; the verified webhook does.
      expect((await provider.authorizePayment({ data: challenged.data })).status).toBe(PaymentSessionStatus.REQUIRES_MORE)
      const action = await deliverWebhook(provider, sandbox, bySession(initiated.session_id))
      expect(action).toMatchObject({ action: PaymentActions.AUTHORIZED, data: { session_id: initiated.session_id } })
    }
    const authorized = await provider.authorizePayment({ data: challenged.data })
    expect(authorized.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(authorized.data!.three_ds).toBeNull()
    expect(sandbox.transaction(authorized.data!.transaction_id as string)).toMatchObject({ type: "CAPTURE", status: "succeeded" })
    const auth = opsOf(store, initiated.session_id)[0]
    expect(auth).toMatchObject({ status: "succeeded", transaction_id: expect.any(String) })
    expect(sandbox.transaction(auth.transaction_id!)).toMatchObject({ type: "PRE_AUTH", threeDs: "passed" })
    expect(moneyRequests(sandbox, "/authorizationv2")).toHaveLength(1)
  })

  it("challenge failed -> error with the gateway's reason, nothing to capture", async () => {
    const { provider, store } = server("automatic")
    const challenged = await payByCard(provider, await session(provider), THREE_DS_CARD)
    await completeChallenge(challenged.data.three_ds.redirect_url, "fail")
    const out = await provider.authorizePayment({ data: challenged.data })
    expect(out.status).toBe(PaymentSessionStatus.ERROR)
    expect(out.data!.last_error).toMatchObject({ response_code: 937 })
    expect(out.data!.transaction_id).toBeUndefined()
    expect(opsOf(store, challenged.data.session_id)).toEqual([expect.objectContaining({ kind: "pre_auth", status: "declined" })])
    expect(moneyRequests(sandbox, "/capture")).toEqual([])
  })
})

describe("unknown outcomes of card payments and captures are never resent", () => {
  it("a pre-auth whose answer was lost is recorded unknown; a second card is refused; the verified webhook settles it", async () => {
    const { provider, store, logs } = server("automatic", { timeoutMs: 400 })
    const log = recordTransitions(store, sandbox)
    const initiated = await session(provider)
    sandbox.addFault({ op: "authorization", fault: "timeout_after", delayMs: 1500 })
    const lost = await payByCard(provider, initiated)
    expect(lost.out.status).toBe(PaymentSessionStatus.PENDING)
    expect(lost.out.data!.attempt).toMatchObject({ kind: "pre_auth", status: "unknown" })
    expect(opsOf(store, initiated.session_id)).toEqual([expect.objectContaining({ kind: "pre_auth", status: "unknown", transaction_id: null })])
    expect(logs.some((l) => l.startsWith("warn") && l.includes("NOT resent"))).toBe(true)

    // The shopper clicks again: refused, nothing sent.
    const error = await rejection(payByCard(provider, lost.data))
    expect(error.message).toContain("still being processed")
    expect((await provider.authorizePayment({ data: lost.data })).status).toBe(PaymentSessionStatus.PENDING)
    expect(moneyRequests(sandbox, "/authorizationv2")).toHaveLength(1)

    const action = await deliverWebhook(provider, sandbox, bySession(initiated.session_id))
    expect(action.action).toBe(PaymentActions.AUTHORIZED)
    const authorized = await provider.authorizePayment({ data: lost.data })
    expect(authorized.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(statusesOf(log, "pre_auth")).toEqual(["sending", "unknown", "succeeded"])
    expect(sandbox.transactions().filter((t) => t.type === "PRE_AUTH")).toHaveLength(1)
    expect(moneyRequests(sandbox, "/authorizationv2")).toHaveLength(1)
  })

  it("a card answer of success:false with an INFO code is pending (not a decline): nothing is resent, it settles from Transaction Status", async () => {
    const { provider, store } = server("automatic", { refundSettleTimeoutMs: 100 })
    const initiated = await session(provider)
    sandbox.addFault({ op: "authorization", fault: "in_progress" })
    const out = await payByCard(provider, initiated)
    expect(out.out.status).toBe(PaymentSessionStatus.PENDING)
    expect(out.out.data!.last_error).toBeUndefined()
    const [op] = opsOf(store, initiated.session_id)
    expect(op).toMatchObject({ kind: "pre_auth", status: "pending", transaction_id: expect.any(String) })
    await expect(payByCard(provider, out.data)).rejects.toThrow("still being processed")

    sandbox.settle(op.transaction_id!, "succeeded")
    const authorized = await provider.authorizePayment({ data: out.data })
    expect(authorized.status).toBe(PaymentSessionStatus.CAPTURED)
    expect(moneyRequests(sandbox, "/authorizationv2")).toHaveLength(1)
  })

  it("a capture whose answer was lost is not resent, and is settled once the gateway names it (captureWebhooks)", async () => {
    const { provider, store, logs } = server("manual", { timeoutMs: 400 })
    const log = recordTransitions(store, sandbox)
    const { data: card } = await payByCard(provider, await session(provider, 3000))
    const data = medusaMerge(card, (await provider.authorizePayment({ data: card })).data)
    const [auth] = opsOf(store, data.session_id)
    sandbox.addFault({ op: "capture", fault: "timeout_after", transactionId: auth.transaction_id!, delayMs: 1500 })

    const first = await rejection(provider.capturePayment({ data, context: { idempotency_key: "capt_lost" } }))
    expect(first.type).toBe(MedusaError.Types.UNEXPECTED_STATE)
    expect(first.message).toContain("NOT sent again")
    expect(logs.some((l) => l.startsWith("warn") && l.includes("NOT resent"))).toBe(true)
    // Medusa retries the capture: the log answers, nothing is sent.
    await expect(provider.capturePayment({ data, context: { idempotency_key: "capt_lost" } })).rejects.toThrow("unknown outcome")
    expect(moneyRequests(sandbox, "/capture")).toHaveLength(1)

    const capture = sandbox.transactions().find((t) => t.type === "CAPTURE" && t.parentId === auth.transaction_id)!
    const action = await deliverWebhook(provider, sandbox, naming(capture.id))
    expect(action).toMatchObject({ action: PaymentActions.SUCCESSFUL, data: { session_id: data.session_id } })
    const settled = await provider.capturePayment({ data, context: { idempotency_key: "capt_lost" } })
    expect(settled.data).toMatchObject({ transaction_id: capture.id, amount: "3000" })
    expect(statusesOf(log, "capture")).toEqual(["sending", "unknown", "succeeded"])
    expect(opsOf(store, data.session_id).filter((op) => op.kind === "capture")).toEqual([
      expect.objectContaining({ status: "succeeded", medusa_id: "capt_lost", transaction_id: capture.id }),
    ])
    expect(moneyRequests(sandbox, "/capture")).toHaveLength(1)
    expect(sandbox.transactions().filter((t) => t.type === "CAPTURE")).toHaveLength(1)
  })

  it("without a capture webhook (captureWebhooks false) a lost capture stays unknown; it is still never resent", async () => {
    sandbox.configure({ captureWebhooks: false })
    const { provider, store } = server("manual", { timeoutMs: 400 })
    const { data: card } = await payByCard(provider, await session(provider, 3000))
    const data = medusaMerge(card, (await provider.authorizePayment({ data: card })).data)
    const [auth] = opsOf(store, data.session_id)
    sandbox.addFault({ op: "capture", fault: "timeout_after", transactionId: auth.transaction_id!, delayMs: 1500 })
    await expect(provider.capturePayment({ data })).rejects.toThrow("NOT sent again")
    await new Promise((r) => setTimeout(r, 100))
    const capture = sandbox.transactions().find((t) => t.type === "CAPTURE")!
    expect(sandbox.webhooks().filter((w) => w.transactionId === capture.id)).toEqual([])
    await expect(provider.capturePayment({ data })).rejects.toThrow("unknown outcome")
    expect(opsOf(store, data.session_id).filter((op) => op.kind === "capture")).toEqual([expect.objectContaining({ status: "unknown" })])
    expect(moneyRequests(sandbox, "/capture")).toHaveLength(1)
  })
})

describe("webhooks with a shared secret", () => {
  it("are only accepted with the stamp of the secret-carrying route", async () => {
    const secret = "s3cret-webhook-token-0123456789abcdef"
    const { provider, store } = providerFor(sandbox, { webhookSecret: secret, backendUrl: "https://shop.example" })
    const hookUrl = `https://shop.example/hooks/paymentoptions/paymentoptions_test/${secret}`
    expect((provider as any).webhookUrl()).toBe(hookUrl)
    const initiated = await session(provider, 1000)
    expect(sandbox.requests().at(-1)!.body).toMatchObject({ return_url: { webhook_url: hookUrl } })
    await axios.post(`${initiated.redirect_url}/pay`, { card_number: DEFAULT_TEST_CARD, card_name: "A", exp_month: "12", exp_year: "30", cvc: "123" }, { headers: { Accept: "application/json" } })
    const body = await (provider as any).client_.getTransactionStatus(initiated.hpp_link_id)
    const rawData = JSON.stringify(body)

    const unsigned = await provider.getWebhookActionAndData({ data: body, rawData, headers: {} })
    expect(unsigned.action).toBe(PaymentActions.NOT_SUPPORTED)
    const forged = await provider.getWebhookActionAndData({ data: body, rawData, headers: { [WEBHOOK_SIGNATURE_HEADER]: webhookSignature("wrong-secret-wrong-secret-wrong", rawData) } })
    expect(forged.action).toBe(PaymentActions.NOT_SUPPORTED)
    expect(store.webhooks).toEqual([])
    const stamped = await provider.getWebhookActionAndData({ data: body, rawData, headers: { [WEBHOOK_SIGNATURE_HEADER]: webhookSignature(secret, rawData) } })
    expect(stamped.action).toBe(PaymentActions.SUCCESSFUL)
    expect(store.webhooks).toHaveLength(1)
  })

  it("boot refuses a short secret and manual capture on the hosted page", () => {
    expect(() => providerFor(sandbox, { webhookSecret: "short" })).toThrow('"webhookSecret"')
    expect(() => providerFor(sandbox, { captureMode: "manual" })).toThrow('"captureMode" "manual" needs "checkoutMode" "server"')
  })
})
