// SPDX-License-Identifier: Apache-2.0
//
// Bus models that surround the Verilated sushi_top, independent of any model class:
//   AxiMem     AXI4 slave: a byte-array DRAM with read/write latency, shared bandwidth, limited
//              acceptance, seeded random stalls on all five channels, injected faults (error
//              responses, hung and delayed channels; sushi_sim.h), and protocol checks on what
//              the master drives.
//   LiteMaster AXI4-Lite master: one register access at a time with seeded random stalls on all
//              five channels, and protocol checks on what the slave drives.
//
// Both see the bus through plain structs (AxiSignals, LiteSignals) that the harness copies to and
// from the model's ports once per cycle. tick() is called after the rising edge with the values
// sampled just before it, so a handshake is exactly "valid && ready at the edge".
#ifndef SUSHI_AXI_MODELS_H
#define SUSHI_AXI_MODELS_H

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "sushi_sim.h"

namespace sushi {

constexpr int kMaxDataBytes = 16;

// splitmix64: tiny, seedable, good enough for stall patterns; identical on every platform.
class Rng {
  public:
    explicit Rng(uint64_t seed) : state_(seed) {}
    uint64_t next() {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    // True with probability permille / 1000.
    bool chance(uint16_t permille) { return permille != 0 && next() % 1000 < permille; }

  private:
    uint64_t state_;
};

// The first protocol violation is kept with its cycle, channel and rule; later ones are counted.
class Violations {
  public:
    void report(uint64_t cycle, const char* channel, const std::string& rule) {
        if (count_++ == 0) {
            first_cycle_ = cycle;
            channel_ = channel;
            rule_ = rule;
        }
    }
    uint64_t count() const { return count_; }
    void fill(SushiSimStats* out) const {
        out->violations = count_;
        out->first_violation_cycle = first_cycle_;
        std::snprintf(out->first_violation_channel, sizeof out->first_violation_channel, "%s", channel_.c_str());
        std::snprintf(out->first_violation_rule, sizeof out->first_violation_rule, "%s", rule_.c_str());
    }

  private:
    uint64_t count_ = 0, first_cycle_ = 0;
    std::string channel_, rule_;
};

// AXI4 full master <-> slave signals. Data is little-endian bytes: lane i is bits [8i+7:8i].
struct AxiSignals {
    // Driven by the master (the DUT).
    uint64_t araddr = 0;
    uint32_t arlen = 0, arsize = 0, arburst = 0;
    bool arvalid = false, rready = false;
    uint64_t awaddr = 0;
    uint32_t awlen = 0, awsize = 0, awburst = 0;
    bool awvalid = false;
    uint8_t wdata[kMaxDataBytes] = {};
    uint32_t wstrb = 0;
    bool wlast = false, wvalid = false, bready = false;
    // Driven by the slave (the memory model).
    bool arready = false;
    uint8_t rdata[kMaxDataBytes] = {};
    uint32_t rresp = 0;
    bool rlast = false, rvalid = false;
    bool awready = false, wready = false;
    uint32_t bresp = 0;
    bool bvalid = false;
};

// AXI4-Lite signals between the register master (harness) and the DUT's slave port.
struct LiteSignals {
    // Driven by the master (the harness).
    uint32_t awaddr = 0, wdata = 0, wstrb = 0, araddr = 0;
    bool awvalid = false, wvalid = false, bready = false, arvalid = false, rready = false;
    // Driven by the slave (the DUT).
    bool awready = false, wready = false, bvalid = false, arready = false, rvalid = false;
    uint32_t bresp = 0, rdata = 0, rresp = 0;
};

class AxiMem {
  public:
    AxiMem(const SushiSimMemConfig& cfg, const SushiSimStalls& stalls, int data_bytes, Rng* rng,
           Violations* violations)
        : cfg_(cfg), stalls_(stalls), data_bytes_(data_bytes), rng_(rng), violations_(violations),
          mem_(cfg.bytes, 0) {
        beat_cost_ = cfg_.credit_per_byte * static_cast<uint64_t>(data_bytes_);
        credit_cap_ = 2 * beat_cost_ + cfg_.credit_per_cycle;
    }

    // Drops every transaction (reset); memory contents stay.
    void reset(AxiSignals& s) {
        reads_.clear();
        writes_.clear();
        bresps_.clear();
        s.arready = s.rvalid = s.awready = s.wready = s.bvalid = false;
        s.rlast = false;
        s.rresp = s.bresp = 0;
        prev_ = AxiSignals{};
        credits_ = 0;
        w_reserved_ = false;
        clear_faults();
    }

    // Arms `f` (sushi_sim.h, SushiSimFault); false when this model cannot inject it.
    bool inject(const SushiSimFault& f) {
        if (f.channel > SUSHI_SIM_CH_B) return false;
        const bool response_channel = f.channel == SUSHI_SIM_CH_R || f.channel == SUSHI_SIM_CH_B;
        switch (f.kind) {
            case SUSHI_SIM_FAULT_SLVERR:
            case SUSHI_SIM_FAULT_DECERR:
                if (!response_channel) return false;
                break;
            case SUSHI_SIM_FAULT_HANG:
            case SUSHI_SIM_FAULT_DELAY:
                break;
            default:
                return false;
        }
        Armed& a = faults_[f.channel];
        a = Armed{};
        a.kind = f.kind;
        a.at = transfers_[f.channel] + f.after;
        a.delay = f.delay_cycles;
        return true;
    }

    void clear_faults() {
        for (Armed& a : faults_) a = Armed{};
    }

    bool idle() const { return reads_.empty() && writes_.empty() && bresps_.empty(); }

    bool in_range(uint64_t addr, uint64_t len) const {
        return addr >= cfg_.base && addr - cfg_.base <= cfg_.bytes && len <= cfg_.bytes - (addr - cfg_.base);
    }
    uint8_t* at(uint64_t addr) { return mem_.data() + (addr - cfg_.base); }
    const uint8_t* at(uint64_t addr) const { return mem_.data() + (addr - cfg_.base); }

    // One cycle: `s` holds the values sampled before the rising edge; on return it holds what
    // the slave drives during the next cycle.
    void tick(AxiSignals& s, uint64_t cycle) {
        check_master(s, cycle);
        const AxiSignals at_edge = s;
        const bool ar_fire = s.arvalid && s.arready;
        const bool r_fire = s.rvalid && s.rready;
        const bool aw_fire = s.awvalid && s.awready;
        const bool w_fire = s.wvalid && s.wready;
        const bool b_fire = s.bvalid && s.bready;

        transfers_[SUSHI_SIM_CH_AR] += ar_fire;
        transfers_[SUSHI_SIM_CH_R] += r_fire;
        transfers_[SUSHI_SIM_CH_AW] += aw_fire;
        transfers_[SUSHI_SIM_CH_W] += w_fire;
        transfers_[SUSHI_SIM_CH_B] += b_fire;

        if (ar_fire) accept_read(s, cycle);
        if (r_fire) {
            ++stats_.r_beats;
            ReadBurst& rb = reads_.front();
            if (++rb.next_beat == rb.beats) reads_.pop_front();
            s.rvalid = false;
        }
        if (aw_fire) accept_write(s, cycle);
        if (w_fire) write_beat(s, cycle);
        if (w_reserved_ && !w_fire) credits_ += beat_cost_;  // refund an offer not taken
        w_reserved_ = false;
        if (b_fire) {
            ++stats_.b_responses;
            s.bvalid = false;
        }

        credits_ += cfg_.credit_per_cycle;
        if (credits_ > credit_cap_) credits_ = credit_cap_;

        // Read data: present the next beat when its burst's latency has passed and bandwidth allows.
        const bool r_due = !s.rvalid && !reads_.empty() && reads_.front().ready_cycle <= cycle + 1;
        if (r_due && !held(SUSHI_SIM_CH_R, true, cycle) && credits_ >= beat_cost_) {
            if (stall(stalls_.mem_r_valid)) {
                ++stats_.stall_cycles_injected;
            } else {
                present_read_beat(s, cycle);
                credits_ -= beat_cost_;
            }
        }
        s.rlast = s.rvalid && s.rlast;

        // Write data: ready only for a burst whose address was accepted, and when bandwidth allows.
        s.wready = false;
        if (!writes_.empty() && !held(SUSHI_SIM_CH_W, true, cycle) && credits_ >= beat_cost_) {
            if (stall(stalls_.mem_w_ready)) {
                ++stats_.stall_cycles_injected;
            } else {
                s.wready = true;
                credits_ -= beat_cost_;
                w_reserved_ = true;
            }
        }

        // Write responses, in order.
        const bool b_due = !s.bvalid && !bresps_.empty() && bresps_.front().ready_cycle <= cycle + 1;
        if (b_due && !held(SUSHI_SIM_CH_B, true, cycle)) {
            if (stall(stalls_.mem_b_valid)) {
                ++stats_.stall_cycles_injected;
            } else {
                s.bvalid = true;
                const uint32_t injected = error_resp(SUSHI_SIM_CH_B, cycle);
                s.bresp = injected ? injected : bresps_.front().resp;
                bresps_.pop_front();
            }
        }

        // A request is wanted while the master holds VALID without a handshake.
        const bool ar_held = held(SUSHI_SIM_CH_AR, at_edge.arvalid && !ar_fire, cycle);
        const bool aw_held = held(SUSHI_SIM_CH_AW, at_edge.awvalid && !aw_fire, cycle);
        s.arready = reads_.size() < cfg_.read_acceptance && !ar_held && !stall(stalls_.mem_ar_ready);
        s.awready = writes_.size() + bresps_.size() < cfg_.write_acceptance && !aw_held &&
                    !stall(stalls_.mem_aw_ready);
        prev_ = at_edge;
    }

    void fill(SushiSimStats* out) const {
        out->ar_bursts = stats_.ar_bursts;
        out->aw_bursts = stats_.aw_bursts;
        out->r_beats = stats_.r_beats;
        out->w_beats = stats_.w_beats;
        out->b_responses = stats_.b_responses;
        out->max_reads_outstanding = stats_.max_reads;
        out->max_writes_outstanding = stats_.max_writes;
        out->stall_cycles_injected = stats_.stall_cycles_injected;
        out->lowest_byte_accessed = stats_.lowest;
        out->highest_byte_accessed = stats_.highest;
        out->faults_hit = stats_.faults_hit;
        out->first_fault_cycle = stats_.first_fault_cycle;
    }

  private:
    struct ReadBurst {
        uint64_t addr;  // aligned address of beat 0
        uint32_t beats, next_beat;
        uint64_t ready_cycle;
    };
    struct WriteBurst {
        uint64_t addr;
        uint32_t beats, got;
        uint32_t resp;
    };
    struct BResp {
        uint64_t ready_cycle;
        uint32_t resp;
    };
    struct Stats {
        uint64_t ar_bursts = 0, aw_bursts = 0, r_beats = 0, w_beats = 0, b_responses = 0;
        uint64_t max_reads = 0, max_writes = 0, stall_cycles_injected = 0;
        uint64_t lowest = UINT64_MAX, highest = 0;  // bytes touched by accepted bursts
        uint64_t faults_hit = 0, first_fault_cycle = 0;
    };
    // An armed fault: it hits transfer number `at` of its channel.
    struct Armed {
        uint8_t kind = SUSHI_SIM_FAULT_NONE;
        uint64_t at = 0, delay = 0, until = 0;
        bool hit = false;
    };

    void note_hit(Armed& a, uint64_t cycle) {
        if (a.hit) return;
        a.hit = true;
        if (stats_.faults_hit++ == 0) stats_.first_fault_cycle = cycle;
    }

    // Whether an injected HANG or DELAY holds channel `ch` this cycle. `wanted`: the master is
    // waiting for this transfer (a DELAY's clock starts then, so an idle channel does not use it up).
    bool held(int ch, bool wanted, uint64_t cycle) {
        Armed& a = faults_[ch];
        if ((a.kind != SUSHI_SIM_FAULT_HANG && a.kind != SUSHI_SIM_FAULT_DELAY) || transfers_[ch] != a.at)
            return false;
        if (a.kind == SUSHI_SIM_FAULT_HANG) {
            if (wanted) note_hit(a, cycle);
            return true;
        }
        if (!a.hit) {
            if (!wanted) return true;
            note_hit(a, cycle);
            a.until = cycle + a.delay;
        }
        if (cycle < a.until) return true;
        a = Armed{};  // spent
        return false;
    }

    // The injected error response (2 SLVERR, 3 DECERR) for the transfer about to be presented
    // on channel `ch`, or 0.
    uint32_t error_resp(int ch, uint64_t cycle) {
        Armed& a = faults_[ch];
        if ((a.kind != SUSHI_SIM_FAULT_SLVERR && a.kind != SUSHI_SIM_FAULT_DECERR) || transfers_[ch] != a.at)
            return 0;
        note_hit(a, cycle);
        const uint32_t resp = a.kind == SUSHI_SIM_FAULT_SLVERR ? 2 : 3;
        a = Armed{};  // spent
        return resp;
    }

    void touch(uint64_t addr, uint32_t beats) {
        const uint64_t first = addr & ~uint64_t(data_bytes_ - 1);
        const uint64_t last = first + uint64_t(beats) * data_bytes_ - 1;
        if (first < stats_.lowest) stats_.lowest = first;
        if (last > stats_.highest) stats_.highest = last;
    }

    bool stall(uint16_t permille) { return rng_->chance(permille); }

    void violation(uint64_t cycle, const char* ch, const std::string& rule) { violations_->report(cycle, ch, rule); }

    // Rules on what the master drives: VALID, once raised, stays until READY, with a stable payload.
    void check_master(const AxiSignals& s, uint64_t cycle) {
        if (prev_.arvalid && !prev_.arready) {
            if (!s.arvalid) violation(cycle, "m_axi.AR", "ARVALID dropped before ARREADY");
            else if (s.araddr != prev_.araddr || s.arlen != prev_.arlen || s.arsize != prev_.arsize ||
                     s.arburst != prev_.arburst)
                violation(cycle, "m_axi.AR", "AR payload changed while ARVALID waited for ARREADY");
        }
        if (prev_.awvalid && !prev_.awready) {
            if (!s.awvalid) violation(cycle, "m_axi.AW", "AWVALID dropped before AWREADY");
            else if (s.awaddr != prev_.awaddr || s.awlen != prev_.awlen || s.awsize != prev_.awsize ||
                     s.awburst != prev_.awburst)
                violation(cycle, "m_axi.AW", "AW payload changed while AWVALID waited for AWREADY");
        }
        if (prev_.wvalid && !prev_.wready) {
            if (!s.wvalid) violation(cycle, "m_axi.W", "WVALID dropped before WREADY");
            else if (std::memcmp(s.wdata, prev_.wdata, data_bytes_) != 0 || s.wstrb != prev_.wstrb ||
                     s.wlast != prev_.wlast)
                violation(cycle, "m_axi.W", "W payload changed while WVALID waited for WREADY");
        }
    }

    // Checks a burst's shape; returns false (and reports) when this model cannot serve it.
    bool check_burst(const char* ch, uint64_t addr, uint32_t len, uint32_t size, uint32_t burst, uint64_t cycle) {
        const uint64_t beats = uint64_t(len) + 1;
        bool ok = true;
        if (burst != 1) {
            violation(cycle, ch, "burst type is not INCR (the accelerator only issues INCR)");
            ok = false;
        }
        if ((1u << size) != static_cast<uint32_t>(data_bytes_)) {
            violation(cycle, ch, "narrow burst: AxSIZE is not the bus width");
            ok = false;
        }
        const uint64_t first = addr & ~uint64_t(data_bytes_ - 1);
        const uint64_t last_byte = first + beats * data_bytes_ - 1;
        if ((first >> 12) != (last_byte >> 12)) {
            char buf[120];
            std::snprintf(buf, sizeof buf, "burst at 0x%llx of %llu beats crosses a 4 KiB boundary",
                          static_cast<unsigned long long>(addr), static_cast<unsigned long long>(beats));
            violation(cycle, ch, buf);
            ok = false;
        }
        return ok;
    }

    void accept_read(const AxiSignals& s, uint64_t cycle) {
        ++stats_.ar_bursts;
        touch(s.araddr, s.arlen + 1);
        check_burst("m_axi.AR", s.araddr, s.arlen, s.arsize, s.arburst, cycle);
        reads_.push_back(ReadBurst{s.araddr & ~uint64_t(data_bytes_ - 1), s.arlen + 1, 0,
                                   cycle + cfg_.read_latency_cycles});
        if (reads_.size() > stats_.max_reads) stats_.max_reads = reads_.size();
    }

    void present_read_beat(AxiSignals& s, uint64_t cycle) {
        const ReadBurst& rb = reads_.front();
        const uint64_t addr = rb.addr + uint64_t(rb.next_beat) * data_bytes_;
        if (const uint32_t injected = error_resp(SUSHI_SIM_CH_R, cycle)) {
            std::memset(s.rdata, 0, sizeof s.rdata);
            s.rresp = injected;
        } else if (in_range(addr, data_bytes_)) {
            std::memcpy(s.rdata, at(addr), data_bytes_);
            s.rresp = 0;
        } else {
            std::memset(s.rdata, 0, sizeof s.rdata);
            s.rresp = 3;  // DECERR: nothing lives there
        }
        s.rlast = rb.next_beat + 1 == rb.beats;
        s.rvalid = true;
    }

    void accept_write(const AxiSignals& s, uint64_t cycle) {
        ++stats_.aw_bursts;
        touch(s.awaddr, s.awlen + 1);
        check_burst("m_axi.AW", s.awaddr, s.awlen, s.awsize, s.awburst, cycle);
        writes_.push_back(WriteBurst{s.awaddr & ~uint64_t(data_bytes_ - 1), s.awlen + 1, 0, 0});
        const uint64_t outstanding = writes_.size() + bresps_.size();
        if (outstanding > stats_.max_writes) stats_.max_writes = outstanding;
    }

    void write_beat(const AxiSignals& s, uint64_t cycle) {
        ++stats_.w_beats;
        WriteBurst& wb = writes_.front();
        const uint64_t addr = wb.addr + uint64_t(wb.got) * data_bytes_;
        if (in_range(addr, data_bytes_)) {
            uint8_t* dst = at(addr);
            for (int i = 0; i < data_bytes_; ++i)
                if (s.wstrb >> i & 1) dst[i] = s.wdata[i];
        } else if (s.wstrb != 0) {
            wb.resp = 3;  // DECERR
        }
        ++wb.got;
        const bool last = wb.got == wb.beats;
        if (s.wlast != last) {
            violation(cycle, "m_axi.W", last ? "WLAST missing on the last beat of a burst"
                                             : "WLAST asserted before the last beat of a burst");
        }
        if (last) {
            bresps_.push_back(BResp{cycle + cfg_.write_latency_cycles, wb.resp});
            writes_.pop_front();
        }
    }

    SushiSimMemConfig cfg_;
    SushiSimStalls stalls_;
    int data_bytes_;
    Rng* rng_;
    Violations* violations_;
    std::vector<uint8_t> mem_;
    std::deque<ReadBurst> reads_;
    std::deque<WriteBurst> writes_;
    std::deque<BResp> bresps_;
    AxiSignals prev_;  // the signals at the previous rising edge
    uint64_t credits_ = 0, beat_cost_ = 0, credit_cap_ = 0;
    bool w_reserved_ = false;
    Stats stats_;
    Armed faults_[5];          // per channel, indexed by SUSHI_SIM_CH_*
    uint64_t transfers_[5] = {};  // handshakes per channel since creation
};

// One register access at a time; the harness clocks it until done() or a cycle budget runs out.
class LiteMaster {
  public:
    LiteMaster(const SushiSimStalls& stalls, Rng* rng, Violations* violations)
        : stalls_(stalls), rng_(rng), violations_(violations) {}

    void reset(LiteSignals& s) {
        s.awvalid = s.wvalid = s.bready = s.arvalid = s.rready = false;
        op_ = Op::None;
        prev_ = LiteSignals{};
    }

    bool idle() const { return op_ == Op::None; }
    bool done() const { return done_; }
    uint32_t resp() const { return resp_; }
    uint32_t rdata() const { return rdata_; }

    void start_write(uint32_t addr, uint32_t data, uint32_t strb) {
        op_ = Op::Write;
        done_ = false;
        aw_pending_ = w_pending_ = true;
        addr_ = addr;
        data_ = data;
        strb_ = strb;
    }
    void start_read(uint32_t addr) {
        op_ = Op::Read;
        done_ = false;
        ar_pending_ = true;
        addr_ = addr;
    }

    // Same timing contract as AxiMem::tick.
    void tick(LiteSignals& s, uint64_t cycle) {
        check_slave(s, cycle);
        const LiteSignals at_edge = s;
        if (s.awvalid && s.awready) aw_pending_ = false, s.awvalid = false;
        if (s.wvalid && s.wready) w_pending_ = false, s.wvalid = false;
        if (s.arvalid && s.arready) ar_pending_ = false, s.arvalid = false;
        if (s.bvalid && s.bready) {
            if (op_ != Op::Write || aw_pending_ || w_pending_)
                violations_->report(cycle, "s_axil.B", "BVALID without a completed write request");
            resp_ = s.bresp;
            finish();
        }
        if (s.rvalid && s.rready) {
            if (op_ != Op::Read || ar_pending_)
                violations_->report(cycle, "s_axil.R", "RVALID without a read request");
            resp_ = s.rresp;
            rdata_ = s.rdata;
            finish();
        }
        // Next cycle's master outputs.
        if (op_ == Op::Write) {
            if (aw_pending_ && !s.awvalid && !rng_->chance(stalls_.lite_aw_valid)) {
                s.awvalid = true;
                s.awaddr = addr_;
            }
            if (w_pending_ && !s.wvalid && !rng_->chance(stalls_.lite_w_valid)) {
                s.wvalid = true;
                s.wdata = data_;
                s.wstrb = strb_;
            }
            s.bready = !rng_->chance(stalls_.lite_b_ready);
        } else {
            s.bready = false;
        }
        if (op_ == Op::Read) {
            if (ar_pending_ && !s.arvalid && !rng_->chance(stalls_.lite_ar_valid)) {
                s.arvalid = true;
                s.araddr = addr_;
            }
            s.rready = !rng_->chance(stalls_.lite_r_ready);
        } else {
            s.rready = false;
        }
        prev_ = at_edge;
    }

  private:
    enum class Op { None, Write, Read };

    void finish() {
        op_ = Op::None;
        done_ = true;
    }

    // Rules on what the slave drives: a response, once raised, stays until READY, unchanged.
    void check_slave(const LiteSignals& s, uint64_t cycle) {
        if (prev_.bvalid && !prev_.bready) {
            if (!s.bvalid) violations_->report(cycle, "s_axil.B", "BVALID dropped before BREADY");
            else if (s.bresp != prev_.bresp)
                violations_->report(cycle, "s_axil.B", "BRESP changed while BVALID waited for BREADY");
        }
        if (prev_.rvalid && !prev_.rready) {
            if (!s.rvalid) violations_->report(cycle, "s_axil.R", "RVALID dropped before RREADY");
            else if (s.rdata != prev_.rdata || s.rresp != prev_.rresp)
                violations_->report(cycle, "s_axil.R", "R payload changed while RVALID waited for RREADY");
        }
    }

    SushiSimStalls stalls_;
    Rng* rng_;
    Violations* violations_;
    Op op_ = Op::None;
    bool done_ = false, aw_pending_ = false, w_pending_ = false, ar_pending_ = false;
    uint32_t addr_ = 0, data_ = 0, strb_ = 0, resp_ = 0, rdata_ = 0;
    LiteSignals prev_;  // the signals at the previous rising edge
};

}  // namespace sushi

#endif
