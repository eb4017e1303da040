// SPDX-License-Identifier: Apache-2.0
//
// Harness<M>: one Verilated sushi_top model (class M, one per hw config) with its bus models.
// It owns the clock: every cycle it samples the model's outputs, raises the clock, lets the bus
// models react to the handshakes of that edge, drives their outputs back, and lowers the clock.
// SimBase is the config-independent interface the C ABI calls through.
#ifndef SUSHI_HARNESS_H
#define SUSHI_HARNESS_H

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

#include "axi_models.h"
#include "verilated.h"
#if VM_TRACE
#include "verilated_vcd_c.h"
#endif

namespace sushi {

class SimBase {
  public:
    SimBase(const SushiSimMemConfig& mem, const SushiSimStalls& stalls, uint64_t seed, int data_bytes)
        : rng_(seed), mem_(mem, stalls, data_bytes, &rng_, &violations_), lite_(stalls, &rng_, &violations_) {}
    virtual ~SimBase() = default;

    virtual void reset(uint32_t cycles) = 0;
    virtual bool busy() const = 0;
    virtual bool irq() const = 0;
    virtual int trace_open(const char* path) = 0;
    virtual void trace_close() = 0;

    void run(uint64_t n) {
        for (uint64_t i = 0; i < n; ++i) step();
    }

    bool idle() const { return !busy() && mem_.idle() && lite_.idle(); }

    int run_until_idle(uint64_t max_cycles, uint64_t* cycles_run) {
        uint64_t n = 0;
        while (!idle() && n < max_cycles) {
            step();
            ++n;
        }
        *cycles_run = n;
        return idle() ? SUSHI_SIM_OK : SUSHI_SIM_TIMEOUT;
    }

    int reg_write(uint32_t addr, uint32_t data, uint8_t strb, uint64_t max_cycles, uint8_t* resp) {
        if (!lite_.idle()) return SUSHI_SIM_BUSY;
        lite_.start_write(addr, data, strb);
        return finish_reg(max_cycles, resp);
    }

    int reg_read(uint32_t addr, uint64_t max_cycles, uint32_t* data, uint8_t* resp) {
        if (!lite_.idle()) return SUSHI_SIM_BUSY;
        lite_.start_read(addr);
        int rc = finish_reg(max_cycles, resp);
        *data = lite_.rdata();
        return rc;
    }

    int mem_write(uint64_t addr, const uint8_t* src, size_t len) {
        if (!mem_.in_range(addr, len)) return SUSHI_SIM_OUT_OF_RANGE;
        if (len) std::memcpy(mem_.at(addr), src, len);
        return SUSHI_SIM_OK;
    }
    int mem_read(uint64_t addr, uint8_t* dst, size_t len) const {
        if (!mem_.in_range(addr, len)) return SUSHI_SIM_OUT_OF_RANGE;
        if (len) std::memcpy(dst, mem_.at(addr), len);
        return SUSHI_SIM_OK;
    }

    uint64_t cycle() const { return cycle_; }

    bool inject_fault(const SushiSimFault& f) { return mem_.inject(f); }
    void clear_faults() { mem_.clear_faults(); }

    void stats(SushiSimStats* out) const {
        *out = SushiSimStats{};
        out->cycle = cycle_;
        mem_.fill(out);
        violations_.fill(out);
    }

  protected:
    virtual void step() = 0;

    int finish_reg(uint64_t max_cycles, uint8_t* resp) {
        // The request is driven from the next cycle on: one tick of the master sets it up.
        for (uint64_t n = 0; n < max_cycles; ++n) {
            step();
            if (lite_.done()) {
                *resp = static_cast<uint8_t>(lite_.resp());
                return SUSHI_SIM_OK;
            }
        }
        *resp = 0;
        return SUSHI_SIM_TIMEOUT;
    }

    Rng rng_;
    Violations violations_;
    AxiMem mem_;
    LiteMaster lite_;
    AxiSignals axi_;
    LiteSignals lite_sig_;
    uint64_t cycle_ = 0;
};

// Port copies that work for every width Verilator uses: CData/SData/IData/QData and VlWide<N>.
template <class T>
inline void port_to_bytes(const T& port, uint8_t* out, int n) {
    static_assert(std::is_integral<T>::value, "scalar port");
    const uint64_t v = static_cast<uint64_t>(port);
    for (int i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(v >> (8 * i));
}
template <std::size_t W>
inline void port_to_bytes(const VlWide<W>& port, uint8_t* out, int n) {
    for (int i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(port[i / 4] >> (8 * (i % 4)));
}
template <class T>
inline void bytes_to_port(T& port, const uint8_t* in, int n) {
    static_assert(std::is_integral<T>::value, "scalar port");
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= static_cast<uint64_t>(in[i]) << (8 * i);
    port = static_cast<T>(v);
}
template <std::size_t W>
inline void bytes_to_port(VlWide<W>& port, const uint8_t* in, int n) {
    for (std::size_t w = 0; w < W; ++w) port[w] = 0;
    for (int i = 0; i < n; ++i) port[i / 4] |= static_cast<uint32_t>(in[i]) << (8 * (i % 4));
}

template <class M>
class Harness final : public SimBase {
  public:
    Harness(const SushiSimMemConfig& mem, const SushiSimStalls& stalls, uint64_t seed, int data_bytes)
        : SimBase(mem, stalls, seed, data_bytes), data_bytes_(data_bytes) {
        ctx_ = std::make_unique<VerilatedContext>();
#if VM_TRACE
        ctx_->traceEverOn(true);  // must precede model construction
#endif
        top_ = std::make_unique<M>(ctx_.get(), "sushi_top");
        top_->clk = 0;
        top_->rst_n = 0;
        drive();
        top_->eval();
    }

    ~Harness() override {
        trace_close();
        top_->final();
    }

    void reset(uint32_t cycles) override {
        mem_.reset(axi_);
        lite_.reset(lite_sig_);
        top_->rst_n = 0;
        drive();
        for (uint32_t i = 0; i < cycles; ++i) clock();
        top_->rst_n = 1;
        top_->eval();
        sample();
    }

    bool busy() const override { return top_->busy; }
    bool irq() const override { return top_->irq; }

    int trace_open(const char* path) override {
#if VM_TRACE
        trace_close();
        vcd_ = std::make_unique<VerilatedVcdC>();
        top_->trace(vcd_.get(), 99);
        vcd_->open(path);
        return 1;
#else
        (void)path;
        return 0;
#endif
    }

    void trace_close() override {
#if VM_TRACE
        if (vcd_) {
            vcd_->close();
            vcd_.reset();
        }
#endif
    }

  protected:
    void step() override {
        sample();
        top_->clk = 1;
        top_->eval();
        dump(2 * cycle_ + 1);
        mem_.tick(axi_, cycle_);
        lite_.tick(lite_sig_, cycle_);
        drive();
        top_->clk = 0;
        top_->eval();
        ++cycle_;
        dump(2 * cycle_);
    }

  private:
    // A clock cycle with the bus models held in reset.
    void clock() {
        top_->clk = 1;
        top_->eval();
        dump(2 * cycle_ + 1);
        top_->clk = 0;
        top_->eval();
        ++cycle_;
        dump(2 * cycle_);
    }

    void dump(uint64_t t) {
#if VM_TRACE
        if (vcd_) vcd_->dump(t);
#else
        (void)t;
#endif
    }

    // Model outputs -> signal structs.
    void sample() {
        M& t = *top_;
        axi_.araddr = t.m_axi_araddr;
        axi_.arlen = t.m_axi_arlen;
        axi_.arsize = t.m_axi_arsize;
        axi_.arburst = t.m_axi_arburst;
        axi_.arvalid = t.m_axi_arvalid;
        axi_.rready = t.m_axi_rready;
        axi_.awaddr = t.m_axi_awaddr;
        axi_.awlen = t.m_axi_awlen;
        axi_.awsize = t.m_axi_awsize;
        axi_.awburst = t.m_axi_awburst;
        axi_.awvalid = t.m_axi_awvalid;
        port_to_bytes(t.m_axi_wdata, axi_.wdata, data_bytes_);
        axi_.wstrb = t.m_axi_wstrb;
        axi_.wlast = t.m_axi_wlast;
        axi_.wvalid = t.m_axi_wvalid;
        axi_.bready = t.m_axi_bready;
        lite_sig_.awready = t.s_axil_awready;
        lite_sig_.wready = t.s_axil_wready;
        lite_sig_.bvalid = t.s_axil_bvalid;
        lite_sig_.bresp = t.s_axil_bresp;
        lite_sig_.arready = t.s_axil_arready;
        lite_sig_.rvalid = t.s_axil_rvalid;
        lite_sig_.rdata = t.s_axil_rdata;
        lite_sig_.rresp = t.s_axil_rresp;
    }

    // Signal structs -> model inputs.
    void drive() {
        M& t = *top_;
        t.m_axi_arready = axi_.arready;
        bytes_to_port(t.m_axi_rdata, axi_.rdata, data_bytes_);
        t.m_axi_rresp = axi_.rresp;
        t.m_axi_rlast = axi_.rlast;
        t.m_axi_rvalid = axi_.rvalid;
        t.m_axi_awready = axi_.awready;
        t.m_axi_wready = axi_.wready;
        t.m_axi_bresp = axi_.bresp;
        t.m_axi_bvalid = axi_.bvalid;
        t.s_axil_awaddr = lite_sig_.awaddr;
        t.s_axil_awvalid = lite_sig_.awvalid;
        t.s_axil_wdata = lite_sig_.wdata;
        t.s_axil_wstrb = lite_sig_.wstrb;
        t.s_axil_wvalid = lite_sig_.wvalid;
        t.s_axil_bready = lite_sig_.bready;
        t.s_axil_araddr = lite_sig_.araddr;
        t.s_axil_arvalid = lite_sig_.arvalid;
        t.s_axil_rready = lite_sig_.rready;
    }

    int data_bytes_;
    std::unique_ptr<VerilatedContext> ctx_;
    std::unique_ptr<M> top_;
#if VM_TRACE
    std::unique_ptr<VerilatedVcdC> vcd_;
#endif
};

}  // namespace sushi

#endif
