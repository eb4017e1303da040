/* SPDX-License-Identifier: Apache-2.0
 *
 * Plain-C ABI over the Verilated sushi_top models and their AXI harness. bindgen reads only this
 * file. Everything cycle-by-cycle (clocking, the AXI4 memory model, the AXI4-Lite master, protocol
 * checks) runs on the C++ side; Rust calls in once per batch of cycles or per register access.
 *
 * A handle is not thread-safe and must be used from the thread that created it (Verilated models
 * are thread-affine).
 */
#ifndef SUSHI_SIM_H
#define SUSHI_SIM_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct SushiSim SushiSim; /* opaque */

/* Random stall probabilities, per mille per cycle, for every channel of both buses.
 * Memory side (AXI4 slave model): a stalled cycle withholds ARREADY/AWREADY/WREADY, or delays
 * presenting RVALID/BVALID (once presented, VALID is held until READY, as AXI requires).
 * Register side (AXI4-Lite master model): a stalled cycle delays AWVALID/WVALID/ARVALID or
 * withholds RREADY/BREADY. */
typedef struct SushiSimStalls {
    uint16_t mem_ar_ready;
    uint16_t mem_r_valid;
    uint16_t mem_aw_ready;
    uint16_t mem_w_ready;
    uint16_t mem_b_valid;
    uint16_t lite_aw_valid;
    uint16_t lite_w_valid;
    uint16_t lite_b_ready;
    uint16_t lite_ar_valid;
    uint16_t lite_r_ready;
} SushiSimStalls;

/* The memory model's timing, from the hw config (sushi-hw derives these). */
typedef struct SushiSimMemConfig {
    uint64_t base;                  /* first bus address of the modelled DRAM */
    uint64_t bytes;                 /* its size; accesses outside get DECERR */
    uint32_t read_latency_cycles;   /* AR accepted -> first R beat may be presented */
    uint32_t write_latency_cycles;  /* last W beat accepted -> B may be presented */
    uint32_t read_acceptance;       /* read bursts accepted before ARREADY drops */
    uint32_t write_acceptance;      /* write bursts accepted before AWREADY drops */
    uint64_t credit_per_cycle;      /* bandwidth: credits earned per cycle ...            */
    uint64_t credit_per_byte;       /* ... and spent per byte moved (R and W share them) */
} SushiSimMemConfig;

/* Fault injection on the AXI4 memory bus (DESIGN.md section 11). One fault can be armed per channel;
 * it hits the transfer numbered `after` on that channel, counted from the moment it is armed
 * (AR, AW: bursts; R, W: beats; B: responses).
 *   SLVERR, DECERR  that R beat or B response carries the error (R data zero; a write answered
 *                   with an error has still been written). R and B only: AXI has no response
 *                   field on AR, AW or W, so an error on a request shows on its R or B.
 *   HANG            the channel stops: ARREADY, AWREADY or WREADY withheld, or RVALID or BVALID
 *                   never presented, until a reset (sushi_sim_reset) or sushi_sim_clear_faults.
 *   DELAY           like HANG for delay_cycles, counted from the cycle the transfer is wanted;
 *                   then the channel resumes. Nothing is lost.
 * SLVERR, DECERR and DELAY are spent once they hit. A reset clears every fault. */
enum { SUSHI_SIM_CH_AR = 0, SUSHI_SIM_CH_R = 1, SUSHI_SIM_CH_AW = 2, SUSHI_SIM_CH_W = 3, SUSHI_SIM_CH_B = 4 };
enum {
    SUSHI_SIM_FAULT_NONE = 0,
    SUSHI_SIM_FAULT_SLVERR = 1,
    SUSHI_SIM_FAULT_DECERR = 2,
    SUSHI_SIM_FAULT_HANG = 3,
    SUSHI_SIM_FAULT_DELAY = 4
};
typedef struct SushiSimFault {
    uint8_t channel;       /* SUSHI_SIM_CH_* */
    uint8_t kind;          /* SUSHI_SIM_FAULT_* */
    uint64_t after;        /* transfers on the channel that pass unharmed first */
    uint64_t delay_cycles; /* DELAY only */
} SushiSimFault;

/* Counters of the memory and register models, and the first protocol violation seen. */
typedef struct SushiSimStats {
    uint64_t cycle;
    uint64_t ar_bursts;
    uint64_t aw_bursts;
    uint64_t r_beats;
    uint64_t w_beats;
    uint64_t b_responses;
    uint64_t max_reads_outstanding;
    uint64_t max_writes_outstanding;
    uint64_t stall_cycles_injected;
    uint64_t lowest_byte_accessed;  /* lowest byte address of any accepted AR/AW burst (UINT64_MAX: none) */
    uint64_t highest_byte_accessed; /* highest byte address of any accepted AR/AW burst (0: none)         */
    uint64_t faults_hit;            /* injected faults that have hit a transfer                       */
    uint64_t first_fault_cycle;     /* cycle the first of them hit (0: none)                          */
    uint64_t violations;
    uint64_t first_violation_cycle;
    char first_violation_channel[24];
    char first_violation_rule[120];
} SushiSimStats;

/* Result codes. */
enum {
    SUSHI_SIM_OK = 0,
    SUSHI_SIM_TIMEOUT = 1,      /* the cycle budget ran out */
    SUSHI_SIM_OUT_OF_RANGE = 2, /* host memory access outside the modelled DRAM */
    SUSHI_SIM_BUSY = 3,         /* a register access is already in flight */
    SUSHI_SIM_BAD_FAULT = 4     /* a fault this model cannot inject (unknown channel or kind, error on AR/AW/W) */
};

/* Comma-separated names of the configs whose models were compiled in. */
const char* sushi_sim_models(void);
/* Creates a model of config `model`, or returns NULL and writes why into err. */
SushiSim* sushi_sim_new(const char* model, const SushiSimMemConfig* mem, const SushiSimStalls* stalls,
                        uint64_t seed, char* err, size_t err_len);
void sushi_sim_free(SushiSim* s);

/* Holds rst_n low for `cycles` cycles, then releases it. Memory contents are kept. */
void sushi_sim_reset(SushiSim* s, uint32_t cycles);
/* Runs exactly n cycles. */
void sushi_sim_run(SushiSim* s, uint64_t n);
/* Runs until the device is idle (busy low, no AXI transaction outstanding) or max_cycles pass.
 * Returns SUSHI_SIM_OK or SUSHI_SIM_TIMEOUT; *cycles_run gets the cycles that passed. */
int sushi_sim_run_until_idle(SushiSim* s, uint64_t max_cycles, uint64_t* cycles_run);
uint64_t sushi_sim_cycle(const SushiSim* s);
uint8_t sushi_sim_busy(const SushiSim* s);
uint8_t sushi_sim_irq(const SushiSim* s);

/* AXI4-Lite accesses, clocked through the harness (the memory model keeps running). */
int sushi_sim_reg_write(SushiSim* s, uint32_t addr, uint32_t data, uint8_t strb, uint64_t max_cycles,
                        uint8_t* resp);
int sushi_sim_reg_read(SushiSim* s, uint32_t addr, uint64_t max_cycles, uint32_t* data, uint8_t* resp);

/* Host (backdoor) access to the modelled DRAM; no cycles pass. */
int sushi_sim_mem_write(SushiSim* s, uint64_t addr, const uint8_t* src, size_t len);
int sushi_sim_mem_read(const SushiSim* s, uint64_t addr, uint8_t* dst, size_t len);

void sushi_sim_stats(const SushiSim* s, SushiSimStats* out);

/* One scripted protocol violation and what the checkers saw of it. */
typedef struct SushiSimCheckerCase {
    char scenario[64];
    char expected_channel[24];
    char expected_rule[48]; /* a phrase the reported rule must contain */
    SushiSimStats seen;     /* violations, first_violation_* */
} SushiSimCheckerCase;

/* Runs the protocol checkers against scripted misbehaving bus partners, one scenario per rule
 * (no model needed); fills up to `max` cases and returns how many scenarios there are. */
size_t sushi_sim_checker_selftest(SushiSimCheckerCase* out, size_t max);

/* Arms a fault (replacing the channel's previous one): SUSHI_SIM_OK or SUSHI_SIM_BAD_FAULT. */
int sushi_sim_inject_fault(SushiSim* s, const SushiSimFault* fault);
/* Disarms every fault and releases a hung channel (transactions in flight continue). */
void sushi_sim_clear_faults(SushiSim* s);

/* VCD tracing. open returns 0 when the models were built without tracing (cargo feature `vcd`). */
int sushi_sim_trace_open(SushiSim* s, const char* path);
void sushi_sim_trace_close(SushiSim* s);

#ifdef __cplusplus
}
#endif
#endif
