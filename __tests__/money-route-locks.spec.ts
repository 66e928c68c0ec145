/**
 * holdLocks keeps the payment's lock until Medusa's handler has answered, even when the admin's connection closes
 * first: the handler goes on (a refund in flight), so releasing on "close" would let a second refund in.
 * Real express and HTTP on loopback; the locking module is a small in-memory stand-in with its acquire/release.
 */
import express from "express"
import http from "node:http"
import type { AddressInfo } from "node:net"
import { holdLocks } from "../src/api/helpers/money-route-locks"

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function fakeLocking() {
  const held = new Map<string, string>()
  return {
    held,
    async acquire(keys: string[], { ownerId }: { ownerId: string }) {
      if (keys.some((k) => held.has(k) && held.get(k) !== ownerId)) throw new Error("locked")
      for (const k of keys) held.set(k, ownerId)
    },
    async release(keys: string[], { ownerId }: { ownerId: string }) {
      for (const k of keys) if (held.get(k) === ownerId) held.delete(k)
    },
  }
}

describe("holdLocks", () => {
  let server: http.Server
  let port: number
  const locking = fakeLocking()
  let handlerFinished = false

  beforeAll(async () => {
    const app = express()
    app.use((req: any, _res, next) => {
      req.scope = { resolve: () => locking }
      next()
    })
    app.post("/refund", (req: any, res: any, next) => holdLocks(req, res, next, ["paymentoptions:payment:pay_1"]), async (_req, res) => {
      await sleep(400) // the gateway call
      handlerFinished = true
      res.json({ ok: true })
    })
    server = app.listen(0, "127.0.0.1")
    await new Promise((r) => server.once("listening", r))
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => new Promise((r) => server.close(r)))

  it("holds the lock while the handler runs after the client has gone, and releases it once the handler answers", async () => {
    const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/refund" })
    req.on("error", () => undefined)
    req.end()
    await sleep(100)
    expect(locking.held.has("paymentoptions:payment:pay_1")).toBe(true)
    req.destroy() // the admin closes the tab
    await sleep(150)
    expect(handlerFinished).toBe(false)
    expect(locking.held.has("paymentoptions:payment:pay_1")).toBe(true)
    await sleep(400)
    expect(handlerFinished).toBe(true)
    expect(locking.held.has("paymentoptions:payment:pay_1")).toBe(false)
  })
})
