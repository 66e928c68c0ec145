/**
 * Top self-time entries of a V8 CPU profile (`node --cpu-prof`), overall and under the refund path only (frames
 * below refundPayment / refundTransaction, async continuations included).
 *
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof -r ts-node/register/transpile-only bench/refund.bench.ts
 *   npx ts-node --transpile-only bench/profile-summary.ts .tmp/prof/<file>.cpuprofile [top]
 */
import fs from "node:fs"
import path from "node:path"

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

const file = process.argv[2]
const top = Number(process.argv[3] ?? 25)
if (!file) throw new Error("usage: profile-summary <file.cpuprofile> [top]")
const profile = JSON.parse(fs.readFileSync(file, "utf8")) as { nodes: Node[]; samples: number[]; timeDeltas: number[] }
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

const ROOTS = new Set(["refundPayment", "refundTransaction"])
const inRefund = new Map<number, boolean>()
const underRefund = (id: number): boolean => {
  const known = inRefund.get(id)
  if (known !== undefined) return known
  const n = byId.get(id)!
  const p = parent.get(id)
  const result = ROOTS.has(n.callFrame.functionName) || (p !== undefined && underRefund(p))
  inRefund.set(id, result)
  return result
}

const label = (n: Node) => {
  const url = n.callFrame.url.replace(/^file:\/\//, "")
  const rel = url.includes("node_modules") ? url.slice(url.lastIndexOf("node_modules/") + 13) : url ? path.relative(process.cwd(), url) : ""
  return `${n.callFrame.functionName || "(anonymous)"}  ${rel}${rel ? `:${n.callFrame.lineNumber + 1}` : ""}`
}

const self = new Map<string, number>()
const selfRefund = new Map<string, number>()
let total = 0
let totalRefund = 0
profile.samples.forEach((id, i) => {
  const dt = (profile.timeDeltas[i] ?? 0) / 1000
  const n = byId.get(id)!
  const key = label(n)
  self.set(key, (self.get(key) ?? 0) + dt)
  total += dt
  if (underRefund(id)) {
    selfRefund.set(key, (selfRefund.get(key) ?? 0) + dt)
    totalRefund += dt
  }
})

const print = (title: string, map: Map<string, number>, sum: number) => {
  console.log(`${title}: ${sum.toFixed(0)} ms sampled`)
  for (const [key, value] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`  ${value.toFixed(1).padStart(9)} ms ${((100 * value) / sum).toFixed(1).padStart(5)}%  ${key}`)
  }
}
const category = (key: string) => {
  if (/src\/providers\//.test(key)) return "provider (src/providers)"
  if (/src\/modules\//.test(key)) return "plugin module (src/modules)"
  if (/memory-store/.test(key)) return "in-memory store (test helper)"
  if (/^\S+\s+zod\//.test(key)) return "zod"
  if (/bignumber\.js|@medusajs\/utils\/dist\/totals/.test(key)) return "BigNumber / MathBN"
  if (/axios|follow-redirects|form-data|proxy-from-env/.test(key)) return "axios"
  if (/node:(_http|http|net|stream|internal\/stream|internal\/streams|events|internal\/timers|timers|buffer)/.test(key) || /^(writev|writeLatin1String|writeUtf8String|parse|execute)\s/.test(key)) return "node http / net / streams"
  if (/^\(garbage collector\)/.test(key)) return "garbage collector"
  if (/^\(idle\)/.test(key)) return "idle (waiting for the network)"
  if (/^\(program\)/.test(key)) return "(program)"
  if (/bench\//.test(key)) return "benchmark harness"
  if (/masking/.test(key)) return "masking"
  return "other"
}
const categories = new Map<string, number>()
for (const [key, value] of self) categories.set(category(key), (categories.get(category(key)) ?? 0) + value)
print("whole process, self time by category", categories, total)
console.log("")
print("whole process, self time", self, total)
console.log("")
print("under refundPayment / refundTransaction, self time", selfRefund, totalRefund)
