import { MedusaError } from "@medusajs/framework/utils"
import { DEFAULT_TEST_CARD, Sandbox, startSandbox } from "../../sandbox"
import { paidPayment, providerFor, refundRequests, rejection } from "./helpers"

// The provider against the bundled sandbox over real HTTP on loopback: every refund rule and fault.
let sandbox: Sandbox

beforeAll(async () => {
  sandbox = await startSandbox()
})
afterAll(async () => {
  await sandbox.close()
})
beforeEach(() => sandbox.clearFaults())

const PAN = DEFAULT_TEST_CARD

describe("refundPayment against the sandbox", () => {
  it("refunds partially twice, then the exact remainder, and records each refund", async () => {
    const { provider, logs } = providerFor(sandbox)
    const { data: paid } = await paidPayment(provider, 5000)
    expect(paid.transaction_id).toEqual(expect.any(String))

    const first = await provider.refundPayment({ data: paid, amount: { value: "1200", precision: 20 }, context: { idempotency_key: "ref_first" } })
    const second = await provider.refundPayment({ data: first.data, amount: 800, context: { idempotency_key: "ref_second" } })
    const last = await provider.refundPayment({ data: second.data, amount: "3000", context: { idempotency_key: "ref_last" } })

    const sent = refundRequests(sandbox).slice(-3).map((r) => r.body)
    expect(sent).toEqual([
      { transactionId: paid.transaction_id, amount: "1200", merchant_id: "JP00000001", notes: "Medusa refund ref_first" },
      { transactionId: paid.transaction_id, amount: "800", merchant_id: "JP00000001", notes: "Medusa refund ref_second" },
      { transactionId: paid.transaction_id, amount: "3000", merchant_id: "JP00000001", notes: "Medusa refund ref_last" },
    ])

    const data = last.data as Record<string, any>
    expect(data.refunded_amount).toBe("5000")
    // Everything stored before is still there (Medusa deep-merges, but a provider must not rely on it).
    for (const key of Object.keys(paid)) expect(data).toHaveProperty(key)
    expect(data.transaction_id).toBe(paid.transaction_id)

    const gatewayRefunds = sandbox.transactions().filter((t) => t.type === "REFUND" && t.parentId === paid.transaction_id)
    expect(gatewayRefunds.map((t) => t.amount)).toEqual(["1200", "800", "3000"])
    for (const [id, amount] of [["ref_first", "1200"], ["ref_second", "800"], ["ref_last", "3000"]] as const) {
      const record = data.refunds[id]
      const gateway = gatewayRefunds.find((t) => t.id === record.transaction_id)!
      expect(record).toMatchObject({ status: "succeeded", amount, currency_code: "jpy", code: "INFO0002", ref: String(gateway.ref) })
      expect(record.created_at).toEqual(expect.any(String))
    }
    expect(sandbox.transaction(paid.transaction_id)!.refundedAmount).toBe("5000")

    // Nothing is left: a further refund is refused before the gateway is called.
    const before = refundRequests(sandbox).length
    const error = await rejection(provider.refundPayment({ data, amount: 1, context: { idempotency_key: "ref_more" } }))
    expect(error.message).toContain("only 0 remains refundable")
    expect(refundRequests(sandbox).length).toBe(before)
    expect(JSON.stringify(logs)).not.toContain(PAN)
  })

  it("refunds in USD with cents, rounding Medusa's raw amount to the currency's decimals", async () => {
    const { provider } = providerFor(sandbox)
    const { data: paid } = await paidPayment(provider, "12.34", "usd")
    expect(paid.amount).toBe("12.34")
    const out = await provider.refundPayment({ data: paid, amount: { value: "4.005", precision: 20 }, context: { idempotency_key: "ref_usd" } })
    expect(refundRequests(sandbox).at(-1)!.body).toMatchObject({ amount: "4.01" })
    expect((out.data as any).refunded_amount).toBe("4.01")
    expect(sandbox.transaction(paid.transaction_id)!.refundedAmount).toBe("4.01")
  })

  it("stores the card masked although the gateway echoes the full number", async () => {
    const { provider, logs } = providerFor(sandbox)
    const { data } = await paidPayment(provider, 3000)
    const statusBody = JSON.stringify(await (provider as any).client_.getTransactionStatus(data.transaction_id))
    expect(statusBody).toContain(PAN) // the sandbox echoes it, like the real one
    expect(data.card).toEqual({ scheme: "VISA", last4: "1111", exp_month: "12", exp_year: "30" })
    const refunded = await provider.refundPayment({ data, amount: 100, context: { idempotency_key: "ref_mask" } })
    expect(JSON.stringify(refunded.data)).not.toContain(PAN)
    expect(JSON.stringify(refunded.data)).not.toContain('"number"')
    expect(JSON.stringify(logs)).not.toContain(PAN)
  })

  describe("failures throw, so Medusa deletes its refund row and payment.data is untouched", () => {
    it.each([
      ["decline", MedusaError.Types.NOT_ALLOWED, ["declined", "ERR0204"]],
      ["over_balance", MedusaError.Types.NOT_ALLOWED, ["declined", "ERR3019", "Insufficient refund balance"]],
      ["unauthorized", MedusaError.Types.UNEXPECTED_STATE, ["credentials", "HTTP 401"]],
    ] as const)("%s", async (fault, type, words) => {
      const { provider } = providerFor(sandbox)
      const { data } = await paidPayment(provider, 2000)
      sandbox.addFault({ op: "refund", fault, transactionId: data.transaction_id })
      const error = await rejection(provider.refundPayment({ data, amount: 500, context: { idempotency_key: `ref_${fault}` } }))
      expect(error.type).toBe(type)
      for (const word of words) expect(error.message).toContain(word)
      expect(error.message).not.toContain(sandbox.credentials.apiKey)
      expect(sandbox.transaction(data.transaction_id)!.refundedAmount ?? "0").toBe("0")
    })

    it("the gateway's own balance rule without a fault: refunding more than captured via stale data", async () => {
      const { provider } = providerFor(sandbox)
      const { data } = await paidPayment(provider, 1000)
      await provider.refundPayment({ data, amount: 700, context: { idempotency_key: "ref_a" } })
      // A caller holding the data from before the first refund (concurrent admin) asks for 700 again.
      const error = await rejection(provider.refundPayment({ data, amount: 700, context: { idempotency_key: "ref_b" } }))
      expect(error.message).toContain("ERR3019")
      expect(sandbox.transaction(data.transaction_id)!.refundedAmount).toBe("700")
    })

    it("an unknown transaction id is reported, not refunded", async () => {
      const { provider } = providerFor(sandbox)
      const error = await rejection(
        provider.refundPayment({ data: { currency_code: "jpy", amount: "100", transaction_id: "00000000-0000-4000-8000-000000000000" }, amount: 10, context: { idempotency_key: "ref_nf" } })
      )
      expect(error.type).toBe(MedusaError.Types.NOT_FOUND)
      expect(error.message).toContain("does not know the transaction")
    })
  })

  describe("unknown outcomes are never resent", () => {
    it.each(["server_error", "bad_gateway", "gateway_timeout", "server_error_after_commit", "malformed", "timeout_before", "timeout_after"] as const)(
      "%s: recorded as pending, exactly one request sent, further refunds refused",
      async (fault) => {
        const { provider, logs } = providerFor(sandbox, { timeoutMs: 400 })
        const { data } = await paidPayment(provider, 4000)
        sandbox.addFault({ op: "refund", fault, transactionId: data.transaction_id, delayMs: 1500 })
        const before = refundRequests(sandbox).length
        const out = await provider.refundPayment({ data, amount: 1000, context: { idempotency_key: `ref_${fault}` } })
        const record = (out.data as any).refunds[`ref_${fault}`]
        expect(record).toMatchObject({ status: "pending", amount: "1000", currency_code: "jpy" })
        expect((out.data as any).refunded_amount).toBe("0")
        expect(logs.some((l) => l.startsWith("warn") && l.includes(`ref_${fault}`) && l.includes("NOT resent"))).toBe(true)

        const committed = ["server_error_after_commit", "malformed", "timeout_after"].includes(fault)
        const gatewayRefunds = sandbox.transactions().filter((t) => t.type === "REFUND" && t.parentId === data.transaction_id)
        expect(gatewayRefunds.length).toBe(committed ? 1 : 0)

        const error = await rejection(provider.refundPayment({ data: out.data, amount: 100, context: { idempotency_key: "ref_next" } }))
        expect(error.type).toBe(MedusaError.Types.NOT_ALLOWED)
        expect(error.message).toContain(`ref_${fault}`)
        expect(error.message).toContain("unknown outcome")
        expect(refundRequests(sandbox).length).toBe(before + 1)
      }
    )

    it("unclear response code: settled from Transaction Status within the window", async () => {
      const { provider } = providerFor(sandbox, { refundSettleTimeoutMs: 3000, refundSettleIntervalMs: 50 })
      const { data } = await paidPayment(provider, 4000)
      sandbox.addFault({ op: "refund", fault: "unclear", transactionId: data.transaction_id, settleAfterMs: 200 })
      const out = await provider.refundPayment({ data, amount: 1500, context: { idempotency_key: "ref_unclear" } })
      const record = (out.data as any).refunds.ref_unclear
      expect(record).toMatchObject({ status: "succeeded", amount: "1500", code: "INFO0002" })
      expect(record.settled_at).toEqual(expect.any(String))
      expect((out.data as any).refunded_amount).toBe("1500")
    })

    it("unclear then declined at the gateway: the refund fails and nothing is recorded", async () => {
      const { provider } = providerFor(sandbox, { refundSettleTimeoutMs: 3000 })
      const { data } = await paidPayment(provider, 4000)
      sandbox.addFault({ op: "refund", fault: "unclear", transactionId: data.transaction_id, settleAfterMs: 100, settleOutcome: "declined" })
      const error = await rejection(provider.refundPayment({ data, amount: 1500, context: { idempotency_key: "ref_unclear_d" } }))
      expect(error.type).toBe(MedusaError.Types.NOT_ALLOWED)
      expect(error.message).toContain("declined")
    })

    it.each(["unclear", "pending"] as const)(
      "%s beyond the window: pending with the gateway id; the next refund settles it first, then proceeds",
      async (fault) => {
        const { provider } = providerFor(sandbox, { refundSettleTimeoutMs: 100 })
        const { data } = await paidPayment(provider, 4000)
        sandbox.addFault({ op: "refund", fault, transactionId: data.transaction_id })
        const out = await provider.refundPayment({ data, amount: 1000, context: { idempotency_key: "ref_slow" } })
        const pending = (out.data as any).refunds.ref_slow
        expect(pending.status).toBe("pending")
        expect(pending.transaction_id).toEqual(expect.any(String))

        // Still unknown: refused, nothing sent.
        const before = refundRequests(sandbox).length
        await expect(provider.refundPayment({ data: out.data, amount: 100, context: { idempotency_key: "ref_blocked" } })).rejects.toThrow("unknown outcome")
        expect(refundRequests(sandbox).length).toBe(before)

        sandbox.settle(pending.transaction_id, "succeeded")
        const next = await provider.refundPayment({ data: out.data, amount: 500, context: { idempotency_key: "ref_after" } })
        const ledger = (next.data as any).refunds
        expect(ledger.ref_slow).toMatchObject({ status: "succeeded", transaction_id: pending.transaction_id })
        expect(ledger.ref_after).toMatchObject({ status: "succeeded", amount: "500" })
        expect((next.data as any).refunded_amount).toBe("1500")
        expect(refundRequests(sandbox).length).toBe(before + 1)
      }
    )

    it("a pending refund that the gateway later declines stops blocking and no longer counts", async () => {
      const { provider, logs } = providerFor(sandbox, { refundSettleTimeoutMs: 0 })
      const { data } = await paidPayment(provider, 4000)
      sandbox.addFault({ op: "refund", fault: "pending", transactionId: data.transaction_id })
      const out = await provider.refundPayment({ data, amount: 1000, context: { idempotency_key: "ref_p" } })
      sandbox.settle((out.data as any).refunds.ref_p.transaction_id, "declined")
      const next = await provider.refundPayment({ data: out.data, amount: 4000, context: { idempotency_key: "ref_full" } })
      expect((next.data as any).refunds.ref_p.status).toBe("failed")
      expect((next.data as any).refunded_amount).toBe("4000")
      expect(logs.some((l) => l.includes("ref_p") && l.includes("declined"))).toBe(true)
    })
  })
})
