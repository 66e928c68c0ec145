/**
 * Preloaded (`node --require`) into every Medusa process the topology harness starts: the process kills itself
 * as soon as the process that started it is gone (the jest process crashed, was SIGKILLed, or exited without
 * running afterAll). Plain JS on purpose: it runs before any TypeScript loader.
 */
"use strict"
// The process that started the harness (jest). Medusa's own forks (db:migrate runs its scripts in a fork that
// inherits this preload) have another parent, so both are watched: the jest process, and this process's parent.
const owner = Number(process.env.TOPOLOGY_PARENT_PID || process.ppid)
const parent = process.ppid

function gone(pid) {
  try {
    process.kill(pid, 0)
    return false
  } catch (e) {
    return !!e && e.code === "ESRCH"
  }
}

setInterval(() => {
  // Linux reparents an orphan: a changed ppid means the parent died.
  if (process.ppid !== parent || gone(owner)) {
    process.stderr.write(`[topology watchdog] parent ${parent} / owner ${owner} is gone; killing Medusa process ${process.pid}\n`)
    process.kill(process.pid, "SIGKILL")
  }
}, 500).unref()
