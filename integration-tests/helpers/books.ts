/**
 * The three books of a PaymentOptions payment, compared: Medusa's refund rows, the plugin's ledger on the payment
 * (`payment.data.refunds` and its derived `refunded_amount`) and the gateway's refund log (the sandbox; every
 * gateway refund carries "Medusa refund <id>" in its notes). HTTP and the sandbox only, so it also works against
 * older code and against `medusa start` processes.
 */
import { MathBN } from "@medusajs/framework/utils"
import type { AxiosInstance } from "axios"
import type { Sandbox } from "../../sandbox"
import { AuthHeaders, getPayment } from "./store-flow"

const DECIMALS: Record<string, number> = { jpy: 0, krw: 0, usd: 2, eur: 2, kwd: 3 }

/** The amount at the currency's precision (half up), as a string. */
export const atPrecision = (v: unknown, currency: string) => MathBN.convert((v ?? 0) as any).toFixed(DECIMALS[currency.toLowerCase()] ?? 2)

export const sumAt = (values: unknown[], currency: string) => atPrecision(MathBN.sum(0, ...(values as any[])), currency)

/** The gateway's refunds of a captured transaction, oldest first. */
export const gatewayRefunds = (sandbox: Sandbox, transactionId: string) =>
  sandbox.transactions().filter((t) => t.type === "REFUND" && t.parentId === transactionId)

/**
 * What does not agree between the three books of one payment ([] when they agree). Amounts are compared at the
 * currency's precision (a refund row of ¥4,999.5 is the gateway's ¥5,000). A record the ledger calls pending must
 * be pending at the gateway too: call it after the refunds have settled.
 */
export async function disagreements(api: AxiosInstance, admin: AuthHeaders, sandbox: Sandbox, paymentId: string): Promise<string[]> {
  const p = await getPayment(api, admin, paymentId)
  const currency = String(p.currency_code).toLowerCase()
  const fix = (v: unknown) => atPrecision(v, currency)
  const ledger: Record<string, any> = p.data?.refunds ?? {}
  const gateway = gatewayRefunds(sandbox, p.data.transaction_id)
  const problems: string[] = []
  const rowIds = new Set<string>(p.refunds.map((r: any) => r.id))
  for (const row of p.refunds) {
    const record = ledger[row.id]
    if (!record) {
      problems.push(`refund row ${row.id} (${row.amount}) has no ledger record`)
      continue
    }
    if (fix(record.amount) !== fix(row.amount)) problems.push(`refund ${row.id}: row ${row.amount}, ledger ${record.amount}`)
    const sent = gateway.filter((t) => t.notes === `Medusa refund ${row.id}`)
    if (record.status === "failed") {
      if (sent.some((t) => t.status !== "declined")) problems.push(`refund ${row.id} is failed in the ledger but the gateway refunded it`)
      continue
    }
    if (sent.length !== 1) {
      problems.push(`refund ${row.id} (${record.status}) was sent to the gateway ${sent.length} times`)
      continue
    }
    if (fix(sent[0].amount) !== fix(record.amount)) problems.push(`refund ${row.id}: gateway ${sent[0].amount}, ledger ${record.amount}`)
    if (sent[0].status !== record.status) problems.push(`refund ${row.id}: gateway ${sent[0].status}, ledger ${record.status}`)
  }
  for (const [id, record] of Object.entries(ledger)) {
    if (!rowIds.has(id) && (record as any).status !== "failed") problems.push(`ledger record ${id} (${(record as any).status}) has no refund row`)
  }
  for (const t of gateway) {
    const id = /^Medusa refund (\S+)$/.exec(t.notes ?? "")?.[1]
    if (!id || !rowIds.has(id)) problems.push(`gateway refund ${t.id} (${t.amount}, ${t.status}, notes ${JSON.stringify(t.notes)}) has no Medusa refund row`)
  }
  const ledgerSucceeded = sumAt(Object.values(ledger).filter((r: any) => r.status === "succeeded").map((r: any) => r.amount), currency)
  const gatewaySucceeded = sumAt(gateway.filter((t) => t.status === "succeeded").map((t) => t.amount), currency)
  if (fix(p.data.refunded_amount) !== ledgerSucceeded) problems.push(`refunded_amount ${p.data.refunded_amount}, succeeded ledger records ${ledgerSucceeded}`)
  if (ledgerSucceeded !== gatewaySucceeded) problems.push(`succeeded ledger records ${ledgerSucceeded}, gateway ${gatewaySucceeded}`)
  return problems
}
