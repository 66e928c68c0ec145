import { MemoryStore } from "../integration-tests/helpers/memory-store"
import { refundRecordOf, refundRecordStatus } from "../src/providers/paymentoptions/payment-data"
import { randomUUID } from "node:crypto"
async function main() {
  const store = new MemoryStore()
  const pays: { tx: string; refunds: any }[] = []
  for (let p = 0; p < 100; p++) {
    const tx = randomUUID(); const refunds: any = {}
    for (let j = 0; j < 1000; j++) {
      const id = `ref_prior_${p}_${j}`
      const { operation } = await store.beginOperation({ key: `refund:${id}`, kind: "refund", provider_id: "pp", session_id: "s" + p, medusa_id: id, parent_transaction_id: tx, amount: "1", currency_code: "jpy" })
      const done = await store.updateOperation(operation.id, { status: "succeeded", transaction_id: randomUUID(), transaction_ref: String(j), code: "INFO", message: "ok", response_code: 0, settled_at: new Date().toISOString() })
      refunds[id] = refundRecordOf(done)
    }
    pays.push({ tx, refunds })
  }
  // pollute caches between scans like the HTTP stack would
  const junk = new Float64Array(4e6)
  const pollute = () => { let s = 0; for (let i = 0; i < junk.length; i += 8) s += junk[i]; return s }
  const full = async (p: any) => { let n = 0; for (const op of await store.operationsWhere({ parent_transaction_id: p.tx, kind: ["refund"] })) { if (!op.medusa_id) continue; const st = refundRecordStatus(op); const k = p.refunds[op.medusa_id]; if (k ? k.status !== st || k.transaction_id !== op.transaction_id || !((k.resolution ?? null) === null && (op.resolution ? op.resolution : null) === null) : st !== "failed") n++ } return n }
  const opsOnly = async (p: any) => { let n = 0; for (const op of await store.operationsWhere({ parent_transaction_id: p.tx, kind: ["refund"] })) { if (!op.medusa_id) continue; if (refundRecordStatus(op) !== "succeeded" || !op.transaction_id || op.resolution) n++ } return n }
  const lookupsOnly = async (p: any) => { let n = 0; for (const op of await store.operationsWhere({ parent_transaction_id: p.tx, kind: ["refund"] })) { if (p.refunds[op.medusa_id!] === undefined) n++ } return n }
  for (const [name, f] of [["full", full], ["ops only", opsOnly], ["lookups (+medusa_id)", lookupsOnly], ["full", full]] as const) {
    let total = 0
    for (let i = 0; i < 300; i++) { pollute(); const t = process.hrtime.bigint(); await f(pays[i % 100]); total += Number(process.hrtime.bigint() - t) }
    console.log(name.padEnd(22), (total / 300 / 1000).toFixed(1), "µs per 1000-record scan (caches polluted before each)")
  }
}
main()
