import { spawn, spawnSync } from "node:child_process"
import fs from "node:fs"
import path from "node:path"
import ts from "typescript"

// What the published package adds besides the plugin: the sandbox's `bin` and the type declarations
// (run after `npm run build`: `medusa plugin:build` plus the declaration step; .ci/run does).
const ROOT = path.join(__dirname, "..", "..")
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"))
const needBuild = (file: string) => {
  if (!fs.existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing: run \`npm run build\` first (.ci/run does)`)
}

describe("package bin: paymentoptions-sandbox", () => {
  const bin = path.join(ROOT, pkg.bin["paymentoptions-sandbox"])

  it("is the built sandbox CLI, runnable by node", () => {
    needBuild(bin)
    expect(fs.readFileSync(bin, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true)
    const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8", timeout: 20_000 })
    expect(help.status).toBe(0)
    expect(help.stdout).toContain("Usage: paymentoptions-sandbox")
    const bad = spawnSync(process.execPath, [bin, "--nope"], { encoding: "utf8", timeout: 20_000 })
    expect(bad.status).toBe(1)
    expect(bad.stderr).toContain("unknown argument --nope")
  })

  it("starts, answers and stops on SIGINT", async () => {
    needBuild(bin)
    const child = spawn(process.execPath, [bin, "--port", "0", "--quiet"], { stdio: ["ignore", "pipe", "pipe"] })
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = ""
        const timer = setTimeout(() => reject(new Error(`no "listening" line: ${out}`)), 20_000)
        child.stdout!.on("data", (c) => {
          out += String(c)
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
          if (m) {
            clearTimeout(timer)
            resolve(m[1])
          }
        })
      })
      const res = await fetch(`${url}/__sandbox/config`)
      expect(res.status).toBe(200)
      expect(await res.json()).toHaveProperty("hppTransactionId")
    } finally {
      child.kill("SIGINT")
    }
    expect(await exited).toBe(0)
  })
})

describe("package types: medusa-payment-paymentoptions/types", () => {
  it("resolves to the built entry with its declarations", () => {
    const js = require.resolve("medusa-payment-paymentoptions/types")
    expect(js).toBe(path.join(ROOT, ".medusa/server/src/types/index.js"))
    needBuild(path.join(ROOT, ".medusa/server/src/types/index.d.ts"))
    needBuild(path.join(ROOT, ".medusa/server/src/providers/paymentoptions/options.d.ts"))
  })

  it("types a store's provider options (`satisfies PaymentOptionsOptions`), as a store's tsconfig resolves them", () => {
    needBuild(path.join(ROOT, ".medusa/server/src/types/index.d.ts"))
    // Inside the package, its own name resolves through package.json `exports` (self-reference), as in a store.
    const dir = path.join(ROOT, ".tmp")
    fs.mkdirSync(dir, { recursive: true })
    const file = path.join(dir, `types-check-${process.pid}.ts`)
    fs.writeFileSync(
      file,
      `import type { PaymentOptionsOptions } from "medusa-payment-paymentoptions/types"
export const good = { apiKey: "k", xApiKey: "x", merchantId: "JP00000001", environment: "live", captureMode: "manual" } satisfies PaymentOptionsOptions
export const bad = { apiKey: "k", xApiKey: "x", merchantId: "JP00000001", environment: "production" } satisfies PaymentOptionsOptions
`
    )
    try {
      for (const [module, moduleResolution] of [
        [ts.ModuleKind.Node16, ts.ModuleResolutionKind.Node16],
        [ts.ModuleKind.ESNext, ts.ModuleResolutionKind.Bundler],
      ] as const) {
        const program = ts.createProgram([file], {
          noEmit: true,
          strict: true,
          skipLibCheck: true,
          esModuleInterop: true,
          target: ts.ScriptTarget.ES2022,
          module,
          moduleResolution,
          types: [],
        })
        const errors = ts.getPreEmitDiagnostics(program).map((d) => ({
          line: d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1 : 0,
          text: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
        }))
        // Only the deliberate mistake on line 3: the import resolved to the declarations and typed `good`.
        expect(errors).toEqual([{ line: 3, text: expect.stringContaining(`Type '"production"' is not assignable`) }])
      }
    } finally {
      fs.rmSync(file, { force: true })
    }
  })
})
