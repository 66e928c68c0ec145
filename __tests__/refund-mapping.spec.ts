import PaymentOptionsProviderService from "../src/providers/paymentoptions/service"
import { MemoryStore } from "../integration-tests/helpers/memory-store"

// Narrow unit test: the gateway client is replaced to observe the request the service builds and what it returns.
// The behaviour against a real HTTP gateway is proven in integration-tests/gateway.
const logger = { warn: jest.fn(), info: jest.fn(), error: jest.fn(), debug: jest.fn() } as any

function service(refund: jest.Mock, store = new MemoryStore()) {
  const svc = new PaymentOptionsProviderService(
    { logger, paymentOptionsStore: store, paymentOptionsProviderId: "pp_paymentoptions_test" } as any,
    { apiKey: "k", xApiKey: "x", merchantId: "JP00000001", baseUrl: "http://127.0.0.1:1", refundSettleTimeoutMs: 0 }
  )
  ;(svc as any).client_ = { refund, getTransactionStatus: jest.fn() }
  return { svc, store }
}

const ok = (amount: number) => ({
  success: true,
  transaction_type: "REFUND",
  gateway_response: { code: "INFO0002", message: "Amount successfully refunded." },
  payment_details: { amount, response_code: 0, currency: "JPY" },
  transaction_details: { id: "refund-txn-1", ref: 74825, timestamp: "2026-11-28T00:00:00.000Z" },
})

const stored = {
  session_id: "payses_1",
  currency_code: "jpy",
  amount: "5000",
  transaction_id: "capture-id",
  card: { scheme: "VISA", last4: "1111", exp_month: "12", exp_year: "30" },
  custom_key: { nested: true },
}

describe("refundPayment request mapping", () => {
  it("refunds the captured transaction in major units, carries the Medusa refund id and returns only the ledger it changed", async () => {
    const refund = jest.fn().mockResolvedValue(ok(1200))
    const { svc, store } = service(refund)
    const out = await svc.refundPayment({ data: stored, amount: { value: "1200", precision: 20 }, context: { idempotency_key: "ref_01ABC" } })
    expect(refund).toHaveBeenCalledWith({ transactionId: "capture-id", amount: "1200", merchant_id: "JP00000001", notes: "Medusa refund ref_01ABC" })
    expect(Object.keys(out.data!).sort()).toEqual(["refunded_amount", "refunds"])
    expect(out.data!.refunded_amount).toBe("1200")
    expect((out.data!.refunds as any).ref_01ABC).toMatchObject({
      ref: "74825",
      transaction_id: "refund-txn-1",
      status: "succeeded",
      amount: "1200",
      currency_code: "jpy",
      code: "INFO0002",
      message: "Amount successfully refunded.",
    })
    const [op] = await store.operationsWhere({ parent_transaction_id: "capture-id" })
    expect(op).toMatchObject({ key: "refund:ref_01ABC", kind: "refund", status: "succeeded", medusa_id: "ref_01ABC", amount: "1200" })
  })

  it("derives the refunded total from the operation log, not from the stored figure", async () => {
    const { svc } = service(jest.fn().mockResolvedValue(ok(1200)))
    await svc.refundPayment({ data: stored, amount: 1200, context: { idempotency_key: "ref_1" } })
    ;(svc as any).client_.refund = jest.fn().mockResolvedValue(ok(800))
    const out = await svc.refundPayment({ data: { ...stored, refunded_amount: "999999" }, amount: 800, context: { idempotency_key: "ref_2" } })
    expect(out.data!.refunded_amount).toBe("2000")
  })

  it.each([
    ["no transaction id", { ...stored, transaction_id: undefined }, 100, "no captured PaymentOptions transaction"],
    ["a zero amount", stored, 0, "a refund must be a positive amount"],
    ["a negative amount", stored, -5, "a refund must be a positive amount"],
    ["an amount that rounds to zero", stored, 0.4, "has more decimals than JPY allows"],
    ["an unknown currency", { ...stored, currency_code: "xyz" }, 100, 'unknown currency "xyz"'],
    ["no currency", { ...stored, currency_code: undefined }, 100, 'unknown currency ""'],
  ])("refuses %s before calling the gateway", async (_, data, amount, message) => {
    const refund = jest.fn()
    await expect(service(refund).svc.refundPayment({ data: data as any, amount, context: { idempotency_key: "ref_x" } })).rejects.toThrow(message)
    expect(refund).not.toHaveBeenCalled()
  })

  it("refuses more than the remainder and a refund while another one is unsettled, before calling the gateway", async () => {
    const store = new MemoryStore()
    const first = service(jest.fn().mockResolvedValue(ok(4500)), store)
    await first.svc.refundPayment({ data: stored, amount: 4500, context: { idempotency_key: "ref_a" } })
    const refund = jest.fn()
    const { svc } = service(refund, store)
    await expect(svc.refundPayment({ data: stored, amount: 501, context: { idempotency_key: "ref_b" } })).rejects.toThrow("only 500 remains refundable")
    await store.beginOperation({ key: "refund:ref_c", kind: "refund", session_id: "payses_1", parent_transaction_id: "capture-id", amount: "10", currency_code: "jpy", medusa_id: "ref_c" })
    await expect(svc.refundPayment({ data: stored, amount: 100, context: { idempotency_key: "ref_d" } })).rejects.toThrow("still has an unknown outcome")
    expect(refund).not.toHaveBeenCalled()
  })
})
