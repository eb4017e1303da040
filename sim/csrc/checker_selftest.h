// SPDX-License-Identifier: Apache-2.0
//
// The protocol checkers against scripted misbehaving bus partners: one scenario per rule, each
// driving the signals a broken master (for AxiMem's checks) or a broken slave (for LiteMaster's)
// would drive, cycle by cycle. The accelerator never breaks these rules, so without this the
// checkers would be code that no test can see fail.
#ifndef SUSHI_CHECKER_SELFTEST_H
#define SUSHI_CHECKER_SELFTEST_H

#include <cstdio>
#include <functional>
#include <vector>

#include "axi_models.h"

namespace sushi {

struct CheckerScenario {
    const char* name;
    const char* channel;  // where the violation must be reported
    const char* rule;     // a phrase the rule must contain
    bool ready_withheld;  // the memory accepts no burst, so AR/AW requests must wait
    std::function<void(AxiMem&, AxiSignals&, LiteMaster&, LiteSignals&, uint64_t&)> run;
};

constexpr int kSelftestDataBytes = 8;
constexpr uint64_t kSelftestBase = 0x10000;

// A read request of `beats` beats at `addr` on the master side of `s`.
inline void request_read(AxiSignals& s, uint64_t addr, uint32_t beats, uint32_t size = 3, uint32_t burst = 1) {
    s.arvalid = true;
    s.araddr = addr;
    s.arlen = beats - 1;
    s.arsize = size;
    s.arburst = burst;
}

inline void request_write(AxiSignals& s, uint64_t addr, uint32_t beats) {
    s.awvalid = true;
    s.awaddr = addr;
    s.awlen = beats - 1;
    s.awsize = 3;
    s.awburst = 1;
}

// Ticks the memory until its AW handshake happens (then drops AWVALID, as a master may).
inline void until_aw_accepted(AxiMem& m, AxiSignals& s, uint64_t& cycle) {
    for (int i = 0; i < 8; ++i) {
        const bool fire = s.awvalid && s.awready;
        m.tick(s, cycle++);
        if (fire) {
            s.awvalid = false;
            return;
        }
    }
}

inline std::vector<CheckerScenario> checker_scenarios() {
    using M = AxiMem;
    using A = AxiSignals;
    using L = LiteMaster;
    using LS = LiteSignals;
    std::vector<CheckerScenario> v;
    v.push_back({"ARVALID dropped before ARREADY", "m_axi.AR", "ARVALID dropped", true,
                 [](M& m, A& s, L&, LS&, uint64_t& c) {
                     request_read(s, kSelftestBase, 1);
                     m.tick(s, c++);  // ARREADY is withheld (read acceptance 0)
                     s.arvalid = false;
                     m.tick(s, c++);
                 }});
    v.push_back({"AR payload changed while waiting", "m_axi.AR", "AR payload changed", true,
                 [](M& m, A& s, L&, LS&, uint64_t& c) {
                     request_read(s, kSelftestBase, 1);
                     m.tick(s, c++);
                     s.araddr += kSelftestDataBytes;
                     m.tick(s, c++);
                 }});
    v.push_back({"AWVALID dropped before AWREADY", "m_axi.AW", "AWVALID dropped", true,
                 [](M& m, A& s, L&, LS&, uint64_t& c) {
                     request_write(s, kSelftestBase, 1);
                     m.tick(s, c++);
                     s.awvalid = false;
                     m.tick(s, c++);
                 }});
    v.push_back({"W payload changed while waiting", "m_axi.W", "W payload changed", false,
                 [](M& m, A& s, L&, LS&, uint64_t& c) {
                     s.wvalid = true;  // no burst accepted: WREADY stays low
                     s.wdata[0] = 1;
                     s.wstrb = 0xff;
                     s.wlast = true;
                     m.tick(s, c++);
                     s.wdata[0] = 2;
                     m.tick(s, c++);
                 }});
    v.push_back({"WLAST before the last beat", "m_axi.W", "WLAST asserted before", false,
                 [](M& m, A& s, L&, LS&, uint64_t& c) {
                     request_write(s, kSelftestBase, 2);
                     until_aw_accepted(m, s, c);
                     s.wvalid = true;
                     s.wstrb = 0xff;
                     s.wlast = true;  // beat 0 of 2
                     for (int i = 0; i < 4; ++i) m.tick(s, c++);
                 }});
    v.push_back({"WLAST missing on the last beat", "m_axi.W", "WLAST missing", false,
                 [](M& m, A& s, L&, LS&, uint64_t& c) {
                     request_write(s, kSelftestBase, 1);
                     until_aw_accepted(m, s, c);
                     s.wvalid = true;
                     s.wstrb = 0xff;
                     s.wlast = false;
                     for (int i = 0; i < 4; ++i) m.tick(s, c++);
                 }});
    v.push_back({"read burst across 4 KiB", "m_axi.AR", "crosses a 4 KiB boundary", false,
                 [](M& m, A& s, L&, LS&, uint64_t& c) {
                     request_read(s, kSelftestBase + 4096 - kSelftestDataBytes, 2);
                     for (int i = 0; i < 4; ++i) m.tick(s, c++);
                 }});
    v.push_back({"write burst across 4 KiB", "m_axi.AW", "crosses a 4 KiB boundary", false,
                 [](M& m, A& s, L&, LS&, uint64_t& c) {
                     request_write(s, kSelftestBase + 4096 - kSelftestDataBytes, 2);
                     for (int i = 0; i < 4; ++i) m.tick(s, c++);
                 }});
    v.push_back({"narrow read burst", "m_axi.AR", "narrow burst", false,
                 [](M& m, A& s, L&, LS&, uint64_t& c) {
                     request_read(s, kSelftestBase, 1, 1);
                     for (int i = 0; i < 4; ++i) m.tick(s, c++);
                 }});
    v.push_back({"FIXED read burst", "m_axi.AR", "not INCR", false,
                 [](M& m, A& s, L&, LS&, uint64_t& c) {
                     request_read(s, kSelftestBase, 1, 3, 0);
                     for (int i = 0; i < 4; ++i) m.tick(s, c++);
                 }});
    v.push_back({"register BVALID before the write request", "s_axil.B", "BVALID without", false,
                 [](M&, A&, L& l, LS& s, uint64_t& c) {
                     l.start_write(0x10, 1, 0xf);
                     l.tick(s, c++);  // the master drives AWVALID, WVALID, BREADY
                     s.bvalid = true;  // ... and the slave answers before taking the request
                     l.tick(s, c++);
                 }});
    v.push_back({"register RVALID dropped before RREADY", "s_axil.R", "RVALID dropped", false,
                 [](M&, A&, L& l, LS& s, uint64_t& c) {
                     l.start_read(0x10);
                     l.tick(s, c++);
                     s.arready = true;
                     l.tick(s, c++);
                     s.rvalid = true;  // RREADY is withheld (lite_r_ready stalls always)
                     l.tick(s, c++);
                     s.rvalid = false;
                     l.tick(s, c++);
                 }});
    v.push_back({"register R payload changed while waiting", "s_axil.R", "R payload changed", false,
                 [](M&, A&, L& l, LS& s, uint64_t& c) {
                     l.start_read(0x10);
                     l.tick(s, c++);
                     s.arready = true;
                     l.tick(s, c++);
                     s.rvalid = true;
                     s.rdata = 1;
                     l.tick(s, c++);
                     s.rdata = 2;
                     l.tick(s, c++);
                 }});
    return v;
}

// Runs scenario i with fresh models; fills `out` with what the checkers saw.
inline void run_checker_scenario(const CheckerScenario& sc, SushiSimStats* out) {
    // Memory: no stalls; no acceptance at all where requests must wait.
    const bool waiting = sc.ready_withheld;
    SushiSimMemConfig cfg{};
    cfg.base = kSelftestBase;
    cfg.bytes = 1 << 16;
    cfg.read_latency_cycles = 2;
    cfg.write_latency_cycles = 2;
    cfg.read_acceptance = waiting ? 0 : 4;
    cfg.write_acceptance = waiting ? 0 : 4;
    cfg.credit_per_cycle = 1;
    cfg.credit_per_byte = 0;
    SushiSimStalls stalls{};
    stalls.lite_r_ready = 1000;  // RREADY never: R must wait
    Rng rng(1);
    Violations violations;
    AxiMem mem(cfg, stalls, kSelftestDataBytes, &rng, &violations);
    LiteMaster lite(stalls, &rng, &violations);
    AxiSignals axi;
    LiteSignals lite_sig;
    mem.reset(axi);
    lite.reset(lite_sig);
    uint64_t cycle = 0;
    sc.run(mem, axi, lite, lite_sig, cycle);
    *out = SushiSimStats{};
    out->cycle = cycle;
    violations.fill(out);
}

}  // namespace sushi

#endif
