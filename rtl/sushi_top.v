// SPDX-License-Identifier: Apache-2.0
//
// sushi_top: SUSHI accelerator top level (register file, counters, memcpy engine, and the
// command-stream datapath: fetcher, DMA engine, compute engine, on-chip memories).
//
// Contract:
// - clk is the only clock; rst_n is a synchronous active-low reset (AXI ARESETn style).
// - s_axil_*: AXI4-Lite slave, 12-bit byte addresses, 32-bit data, register map of
//   hw/gen/sushi_regs.vh (see sushi_axil_regs).
// - m_axi_*: AXI4 master without IDs (board shells tie ID/CACHE/PROT/LOCK/QOS/USER). Full-width
//   INCR bursts, never crossing 4 KiB, at most MaxBurstBeats beats, MaxOutstandingReads read
//   and MaxOutstandingWrites write bursts in flight (see sushi_dma_copy).
// - busy = STATUS.BUSY; irq = CTRL.IRQ_ENABLE && STATUS.DONE (level).
// - Counters (sushi_counters): CYCLES counts every cycle since reset; BUSY_CYCLES busy cycles;
//   DRAM_READ_BYTES / DRAM_WRITE_BYTES +DataBytes per R / W handshake; READ_WAIT_CYCLES busy
//   cycles with an accepted read burst not yet complete and no R handshake; WRITE_WAIT_CYCLES
//   busy cycles with AWVALID && !AWREADY or WVALID && !WREADY. CTRL.COUNTERS_CLEAR zeroes all
//   but CYCLES. Datapath counters: see sushi_counters and rtl/README.md.
// - Jobs: CTRL.COPY_START runs the memcpy engine (sushi_dma_copy), CTRL.RUN the command stream
//   at CMD_BASE (sushi_cmd_seq, sushi_dma_engine, sushi_compute). One job at a time: the job
//   that is busy owns m_axi. The command-stream job shares the read channel between the
//   fetcher and the DMA engine through sushi_rd_arb.
// - Memories: ACT (R banks of ActBytes/(R*C) words of C bytes; port A compute reads, port B
//   compute writes with priority over DMA reads/writes), WMEM (R*C-byte words, DMA writes,
//   compute reads), PB (R*C-byte words, LOAD_PB and LOAD_W_PB write, COPY_PB reads into WMEM),
//   EPI (bias, m, s entries, DMA writes, compute reads).
// - DMA window (DMA_BASE..DMA_LAST, bytes, inclusive): every requester refuses bursts with a
//   byte outside (hw/docs/persistent-buffer.md section 5); a job ending with ERR_DMA_WINDOW
//   counts one DMA_WINDOW_VIOLATIONS, one ending with ERR_PB_OVERFLOW one PB_OVERFLOWS.
// - CTRL.SOFT_RESET aborts the running job (ERR_ABORTED) or, when idle, clears STATUS.

`default_nettype none

module sushi_top #(
  // Width of an AXI byte address in bits (13..32; COPY_SRC/COPY_DST bits above it are ignored)
  parameter integer AddrBits = 32,
  // AXI data bus width in bytes (4, 8 or 16)
  parameter integer DataBytes = 8,
  // Longest AXI burst in beats (power of two, 1..256, MaxBurstBeats*DataBytes <= 4096)
  parameter integer MaxBurstBeats = 16,
  // Read bursts in flight at most (1..16)
  parameter integer MaxOutstandingReads = 4,
  // Write bursts in flight at most (1..16)
  parameter integer MaxOutstandingWrites = 4,
  // Value returned by REG_CONFIG_HASH (FNV-1a 32 of the hardware config parameters)
  parameter [31:0] ConfigHash = 32'h0,
  // MAC array rows R (power of two, 4..64)
  parameter integer ArrayRows = 4,
  // MAC array columns C (power of two, 2..R, C <= DataBytes <= R*C)
  parameter integer ArrayCols = 4,
  // Activation memory bytes (a multiple of R*C)
  parameter integer ActBytes = 8192,
  // Weight staging memory (WMEM) bytes (a multiple of R*C)
  parameter integer WmemBytes = 2048,
  // Persistent buffer (PB) bytes (a multiple of R*C)
  parameter integer PbBytes = 8192,
  // Epilogue parameter entries (1..65536)
  parameter integer EpiEntries = 256
) (
  input  wire                   clk,
  input  wire                   rst_n,
  output wire                   irq,
  output wire                   busy,
  // AXI4-Lite slave: registers
  input  wire [11:0]            s_axil_awaddr,
  input  wire                   s_axil_awvalid,
  output wire                   s_axil_awready,
  input  wire [31:0]            s_axil_wdata,
  input  wire [3:0]             s_axil_wstrb,
  input  wire                   s_axil_wvalid,
  output wire                   s_axil_wready,
  output wire [1:0]             s_axil_bresp,
  output wire                   s_axil_bvalid,
  input  wire                   s_axil_bready,
  input  wire [11:0]            s_axil_araddr,
  input  wire                   s_axil_arvalid,
  output wire                   s_axil_arready,
  output wire [31:0]            s_axil_rdata,
  output wire [1:0]             s_axil_rresp,
  output wire                   s_axil_rvalid,
  input  wire                   s_axil_rready,
  // AXI4 master: memory
  output wire [AddrBits-1:0]    m_axi_araddr,
  output wire [7:0]             m_axi_arlen,
  output wire [2:0]             m_axi_arsize,
  output wire [1:0]             m_axi_arburst,
  output wire                   m_axi_arvalid,
  input  wire                   m_axi_arready,
  input  wire [8*DataBytes-1:0] m_axi_rdata,
  input  wire [1:0]             m_axi_rresp,
  input  wire                   m_axi_rlast,
  input  wire                   m_axi_rvalid,
  output wire                   m_axi_rready,
  output wire [AddrBits-1:0]    m_axi_awaddr,
  output wire [7:0]             m_axi_awlen,
  output wire [2:0]             m_axi_awsize,
  output wire [1:0]             m_axi_awburst,
  output wire                   m_axi_awvalid,
  input  wire                   m_axi_awready,
  output wire [8*DataBytes-1:0] m_axi_wdata,
  output wire [DataBytes-1:0]   m_axi_wstrb,
  output wire                   m_axi_wlast,
  output wire                   m_axi_wvalid,
  input  wire                   m_axi_wready,
  input  wire [1:0]             m_axi_bresp,
  input  wire                   m_axi_bvalid,
  output wire                   m_axi_bready
);

  generate
    if (!(DataBytes == 4 || DataBytes == 8 || DataBytes == 16)) begin : g_illegal_data_bytes
      $error("sushi_top: DataBytes=%0d must be 4, 8 or 16", DataBytes);
    end
    if (AddrBits < 13 || AddrBits > 32) begin : g_illegal_addr_bits
      $error("sushi_top: AddrBits=%0d must be in 13..32", AddrBits);
    end
    if (MaxBurstBeats < 1 || MaxBurstBeats > 256 ||
        (MaxBurstBeats & (MaxBurstBeats - 1)) != 0 ||
        MaxBurstBeats * DataBytes > 4096) begin : g_illegal_max_burst_beats
      $error("sushi_top: MaxBurstBeats=%0d must be a power of two in 1..256 with MaxBurstBeats*DataBytes <= 4096",
             MaxBurstBeats);
    end
    if (MaxOutstandingReads < 1 || MaxOutstandingReads > 16) begin : g_illegal_max_reads
      $error("sushi_top: MaxOutstandingReads=%0d must be in 1..16", MaxOutstandingReads);
    end
    if (MaxOutstandingWrites < 1 || MaxOutstandingWrites > 16) begin : g_illegal_max_writes
      $error("sushi_top: MaxOutstandingWrites=%0d must be in 1..16", MaxOutstandingWrites);
    end
    if (ArrayRows < 4 || ArrayRows > 64 || (ArrayRows & (ArrayRows - 1)) != 0) begin : g_illegal_rows
      $error("sushi_top: ArrayRows=%0d must be a power of two in 4..64", ArrayRows);
    end
    if (ArrayCols < 2 || ArrayCols > ArrayRows || (ArrayCols & (ArrayCols - 1)) != 0 ||
        ArrayCols > DataBytes || ArrayRows * ArrayCols < DataBytes) begin : g_illegal_cols
      $error("sushi_top: ArrayCols=%0d must be a power of two in 2..ArrayRows with ArrayCols <= DataBytes <= ArrayRows*ArrayCols",
             ArrayCols);
    end
    if (ActBytes < ArrayRows * ArrayCols || ActBytes % (ArrayRows * ArrayCols) != 0 ||
        ActBytes / ArrayCols > (1 << 24)) begin : g_illegal_act
      $error("sushi_top: ActBytes=%0d must be a positive multiple of R*C", ActBytes);
    end
    if (WmemBytes < ArrayRows * ArrayCols || WmemBytes % (ArrayRows * ArrayCols) != 0) begin : g_illegal_wmem
      $error("sushi_top: WmemBytes=%0d must be a positive multiple of R*C", WmemBytes);
    end
    if (PbBytes < ArrayRows * ArrayCols || PbBytes % (ArrayRows * ArrayCols) != 0) begin : g_illegal_pb
      $error("sushi_top: PbBytes=%0d must be a positive multiple of R*C", PbBytes);
    end
    if (EpiEntries < 1 || EpiEntries > 65536) begin : g_illegal_epi
      $error("sushi_top: EpiEntries=%0d must be in 1..65536", EpiEntries);
    end
    if (MaxBurstBeats * DataBytes < 32) begin : g_illegal_cmd_burst
      $error("sushi_top: MaxBurstBeats*DataBytes must be at least 32 (one command per burst)");
    end
  endgenerate

  localparam integer R = ArrayRows;
  localparam integer C = ArrayCols;
  localparam integer WordBits = 8 * R * C;
  localparam integer ActVectors = ActBytes / C;
  localparam integer BankWords = ActVectors / R;
  localparam integer WmemWords = WmemBytes / (R * C);
  localparam integer PbWords = PbBytes / (R * C);
  localparam integer BankAW = (BankWords > 1) ? $clog2(BankWords) : 1;
  localparam integer WWords = (WmemWords > PbWords) ? WmemWords : PbWords;
  localparam integer WAW = (WWords > 1) ? $clog2(WWords) : 1;
  /* verilator lint_off UNUSEDPARAM */
  `include "sushi_regs.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam integer EpiAW = (EpiEntries > 1) ? $clog2(EpiEntries) : 1;
  localparam integer MacsIncBits = 16;

  wire [31:0] copy_src;
  wire [31:0] copy_dst;
  wire [31:0] copy_len;
  wire        copy_start;
  wire        dma_busy;
  wire        dma_done;
  wire        dma_err;
  wire [3:0]  dma_err_code;
  wire        reads_outstanding;
  wire        counters_clear;
  wire [63:0] cycles;
  wire [63:0] busy_cycles;
  wire [63:0] dram_read_bytes;
  wire [63:0] dram_write_bytes;
  wire [63:0] read_wait_cycles;
  wire [63:0] write_wait_cycles;
  wire [31:0] cmd_base;
  wire [31:0] cmd_limit;
  wire        run_start;
  wire        run_busy;
  wire        run_done;
  wire        run_err;
  wire [3:0]  run_err_code;
  wire        any_busy = dma_busy || run_busy;
  wire        job_done = dma_done || run_done;
  wire        job_err  = dma_done ? dma_err : run_err;
  wire [3:0]  job_code = job_err ? (dma_done ? dma_err_code : run_err_code) : ERR_NONE;
  wire [64*14-1:0] ext_counters;
  wire        soft_reset;
  wire [31:0] dma_base;
  wire [31:0] dma_last;
  // The window in beat addresses: a beat is inside when all its bytes are. Beats beyond the
  // AXI address space clamp to its last beat; an empty window (DMA_LAST < DMA_BASE, or no whole
  // beat inside) refuses everything through win_lo > win_hi.
  localparam integer LgD = $clog2(DataBytes);
  localparam integer BeatAW = AddrBits - LgD;
  localparam [32:0]  MaxBeat = (33'd1 << BeatAW) - 33'd1;
  wire [32:0] win_lo33  = ({1'b0, dma_base} + (DataBytes - 1)) >> LgD;
  wire [32:0] win_end33 = ({1'b0, dma_last} + 33'd1) >> LgD;   // beats below the end
  wire [32:0] win_hi33  = win_end33 - 33'd1;
  wire        win_empty = (win_end33 == 33'd0) || (win_hi33 < win_lo33);
  wire [32:0] win_lo_c  = (win_lo33 > MaxBeat) ? MaxBeat : win_lo33;
  wire [32:0] win_hi_c  = win_empty ? 33'd0 : ((win_hi33 > MaxBeat) ? MaxBeat : win_hi33);
  wire [BeatAW-1:0] win_lo = win_empty ? {BeatAW{1'b1}} : win_lo_c[BeatAW-1:0];
  wire [BeatAW-1:0] win_hi = win_hi_c[BeatAW-1:0];
  wire unused_win = &{1'b0, win_lo_c[32:BeatAW], win_hi_c[32:BeatAW]};

  // memcpy engine's AXI signals (muxed onto m_axi below)
  wire [AddrBits-1:0]    cp_araddr;
  wire [7:0]             cp_arlen;
  wire [2:0]             cp_arsize;
  wire [1:0]             cp_arburst;
  wire                   cp_arvalid;
  wire                   cp_rready;
  wire [AddrBits-1:0]    cp_awaddr;
  wire [7:0]             cp_awlen;
  wire [2:0]             cp_awsize;
  wire [1:0]             cp_awburst;
  wire                   cp_awvalid;
  wire [8*DataBytes-1:0] cp_wdata;
  wire [DataBytes-1:0]   cp_wstrb;
  wire                   cp_wlast;
  wire                   cp_wvalid;
  wire                   cp_bready;

  sushi_axil_regs #(
    .ConfigHash (ConfigHash)
  ) u_regs (
    .clk_i               (clk),
    .rst_ni              (rst_n),
    .s_axil_awaddr_i     (s_axil_awaddr),
    .s_axil_awvalid_i    (s_axil_awvalid),
    .s_axil_awready_o    (s_axil_awready),
    .s_axil_wdata_i      (s_axil_wdata),
    .s_axil_wstrb_i      (s_axil_wstrb),
    .s_axil_wvalid_i     (s_axil_wvalid),
    .s_axil_wready_o     (s_axil_wready),
    .s_axil_bresp_o      (s_axil_bresp),
    .s_axil_bvalid_o     (s_axil_bvalid),
    .s_axil_bready_i     (s_axil_bready),
    .s_axil_araddr_i     (s_axil_araddr),
    .s_axil_arvalid_i    (s_axil_arvalid),
    .s_axil_arready_o    (s_axil_arready),
    .s_axil_rdata_o      (s_axil_rdata),
    .s_axil_rresp_o      (s_axil_rresp),
    .s_axil_rvalid_o     (s_axil_rvalid),
    .s_axil_rready_i     (s_axil_rready),
    .copy_src_o          (copy_src),
    .copy_dst_o          (copy_dst),
    .copy_len_o          (copy_len),
    .copy_start_o        (copy_start),
    .cmd_base_o          (cmd_base),
    .cmd_limit_o         (cmd_limit),
    .run_start_o         (run_start),
    .soft_reset_o        (soft_reset),
    .dma_base_o          (dma_base),
    .dma_last_o          (dma_last),
    .busy_i              (any_busy),
    .done_i              (job_done),
    .err_i               (job_err),
    .err_code_i          (job_code),
    .counters_clear_o    (counters_clear),
    .cycles_i            (cycles),
    .busy_cycles_i       (busy_cycles),
    .dram_read_bytes_i   (dram_read_bytes),
    .dram_write_bytes_i  (dram_write_bytes),
    .read_wait_cycles_i  (read_wait_cycles),
    .write_wait_cycles_i (write_wait_cycles),
    .ext_counters_i      (ext_counters),
    .irq_o               (irq)
  );

  sushi_dma_copy #(
    .AddrBits             (AddrBits),
    .DataBytes            (DataBytes),
    .MaxBurstBeats        (MaxBurstBeats),
    .MaxOutstandingReads  (MaxOutstandingReads),
    .MaxOutstandingWrites (MaxOutstandingWrites)
  ) u_dma (
    .clk_i               (clk),
    .rst_ni              (rst_n),
    .start_i             (copy_start),
    .src_i               (copy_src[AddrBits-1:0]),
    .dst_i               (copy_dst[AddrBits-1:0]),
    .len_i               (copy_len),
    .win_lo_i            (win_lo),
    .win_hi_i            (win_hi),
    .abort_i             (soft_reset),
    .busy_o              (dma_busy),
    .done_o              (dma_done),
    .err_o               (dma_err),
    .err_code_o          (dma_err_code),
    .reads_outstanding_o (reads_outstanding),
    .m_axi_araddr_o      (cp_araddr),
    .m_axi_arlen_o       (cp_arlen),
    .m_axi_arsize_o      (cp_arsize),
    .m_axi_arburst_o     (cp_arburst),
    .m_axi_arvalid_o     (cp_arvalid),
    .m_axi_arready_i     (m_axi_arready),
    .m_axi_rdata_i       (m_axi_rdata),
    .m_axi_rresp_i       (m_axi_rresp),
    .m_axi_rlast_i       (m_axi_rlast),
    .m_axi_rvalid_i      (m_axi_rvalid),
    .m_axi_rready_o      (cp_rready),
    .m_axi_awaddr_o      (cp_awaddr),
    .m_axi_awlen_o       (cp_awlen),
    .m_axi_awsize_o      (cp_awsize),
    .m_axi_awburst_o     (cp_awburst),
    .m_axi_awvalid_o     (cp_awvalid),
    .m_axi_awready_i     (m_axi_awready),
    .m_axi_wdata_o       (cp_wdata),
    .m_axi_wstrb_o       (cp_wstrb),
    .m_axi_wlast_o       (cp_wlast),
    .m_axi_wvalid_o      (cp_wvalid),
    .m_axi_wready_i      (m_axi_wready),
    .m_axi_bresp_i       (m_axi_bresp),
    .m_axi_bvalid_i      (m_axi_bvalid),
    .m_axi_bready_o      (cp_bready)
  );

  ////////////////////
  // Datapath       //
  ////////////////////

  wire                   abort;
  wire                   seq_ar_valid;
  wire                   seq_ar_ready;
  wire [AddrBits-1:0]    seq_ar_addr;
  wire [7:0]             seq_ar_len;
  wire                   seq_r_valid;
  wire                   seq_r_ready;
  wire                   de_ar_valid;
  wire                   de_ar_ready;
  wire [AddrBits-1:0]    de_ar_addr;
  wire [7:0]             de_ar_len;
  wire                   de_r_valid;
  wire                   de_r_ready;
  wire                   dq_valid;
  wire                   dq_ready;
  wire [255:0]           dq_cmd;
  wire                   de_done;
  wire                   de_err;
  wire [3:0]             de_err_code;
  wire                   de_busy;
  wire                   kq_valid;
  wire                   kq_ready;
  wire [255:0]           kq_cmd;
  wire                   ce_done;
  wire                   ce_busy;
  wire                   dma_wait;
  wire                   comp_wait;
  wire                   cmd_beat;
  wire [AddrBits-1:0]    run_araddr;
  wire [7:0]             run_arlen;
  wire                   run_arvalid;
  wire                   run_rready;
  wire                   run_rd_outstanding;
  wire [AddrBits-1:0]    run_awaddr;
  wire [7:0]             run_awlen;
  wire                   run_awvalid;
  wire [8*DataBytes-1:0] run_wdata;
  wire [DataBytes-1:0]   run_wstrb;
  wire                   run_wlast;
  wire                   run_wvalid;
  wire                   run_bready;

  sushi_cmd_seq #(
    .AddrBits   (AddrBits),
    .DataBytes  (DataBytes),
    .ArrayRows  (R),
    .ArrayCols  (C),
    .ActVectors (ActVectors),
    .WmemWords  (WmemWords),
    .PbWords    (PbWords),
    .EpiEntries (EpiEntries)
  ) u_seq (
    .clk_i          (clk),
    .rst_ni         (rst_n),
    .start_i        (run_start),
    .base_i         (cmd_base),
    .limit_i        (cmd_limit),
    .abort_i        (soft_reset),
    .win_lo_i       (win_lo),
    .win_hi_i       (win_hi),
    .busy_o         (run_busy),
    .done_o         (run_done),
    .err_o          (run_err),
    .err_code_o     (run_err_code),
    .abort_o        (abort),
    .ar_valid_o     (seq_ar_valid),
    .ar_ready_i     (seq_ar_ready),
    .ar_addr_o      (seq_ar_addr),
    .ar_len_o       (seq_ar_len),
    .r_valid_i      (seq_r_valid),
    .r_data_i       (m_axi_rdata),
    .r_resp_i       (m_axi_rresp),
    .r_ready_o      (seq_r_ready),
    .dma_valid_o    (dq_valid),
    .dma_ready_i    (dq_ready),
    .dma_cmd_o      (dq_cmd),
    .dma_done_i     (de_done),
    .dma_err_i      (de_err),
    .dma_err_code_i (de_err_code),
    .comp_valid_o   (kq_valid),
    .comp_ready_i   (kq_ready),
    .comp_cmd_o     (kq_cmd),
    .comp_done_i    (ce_done),
    .dma_wait_o     (dma_wait),
    .comp_wait_o    (comp_wait),
    .cmd_beat_o     (cmd_beat)
  );

  sushi_rd_arb #(
    .AddrBits       (AddrBits),
    .MaxOutstanding (MaxOutstandingReads)
  ) u_arb (
    .clk_i         (clk),
    .rst_ni        (rst_n),
    .rq0_valid_i   (seq_ar_valid),
    .rq0_ready_o   (seq_ar_ready),
    .rq0_addr_i    (seq_ar_addr),
    .rq0_len_i     (seq_ar_len),
    .r0_valid_o    (seq_r_valid),
    .r0_ready_i    (seq_r_ready),
    .rq1_valid_i   (de_ar_valid),
    .rq1_ready_o   (de_ar_ready),
    .rq1_addr_i    (de_ar_addr),
    .rq1_len_i     (de_ar_len),
    .r1_valid_o    (de_r_valid),
    .r1_ready_i    (de_r_ready),
    .m_arvalid_o   (run_arvalid),
    .m_arready_i   (m_axi_arready),
    .m_araddr_o    (run_araddr),
    .m_arlen_o     (run_arlen),
    .m_rvalid_i    (m_axi_rvalid),
    .m_rlast_i     (m_axi_rlast),
    .m_rready_o    (run_rready),
    .outstanding_o (run_rd_outstanding)
  );

  // ACT: R banks; port B shared (compute writes first).
  wire [R-1:0]          de_act_we;
  wire [R-1:0]          de_act_en;
  wire [R*BankAW-1:0]   de_act_addr;
  wire [R*C*8-1:0]      de_act_wdata;
  wire [R*C*8-1:0]      act_b_rdata;
  wire [R*BankAW-1:0]   ce_act_a_addr;
  wire [R*C*8-1:0]      act_a_rdata;
  wire [R-1:0]          ce_act_we;
  wire [R*BankAW-1:0]   ce_act_addr;
  wire [R*C*8-1:0]      ce_act_wdata;
  wire                  act_gnt = (ce_act_we == {R{1'b0}});

  genvar gbk;
  generate
    for (gbk = 0; gbk < R; gbk = gbk + 1) begin : g_act
      sushi_ram #(
        .Width (8 * C),
        .Depth (BankWords),
        .AddrW (BankAW)
      ) u_bank (
        .clk_i     (clk),
        .a_en_i    (1'b1),
        .a_addr_i  (ce_act_a_addr[BankAW*gbk +: BankAW]),
        .a_rdata_o (act_a_rdata[8*C*gbk +: 8*C]),
        .b_en_i    (act_gnt && de_act_en[gbk]),
        .b_we_i    (ce_act_we[gbk] || (act_gnt && de_act_we[gbk])),
        .b_addr_i  (act_gnt ? de_act_addr[BankAW*gbk +: BankAW] : ce_act_addr[BankAW*gbk +: BankAW]),
        .b_wdata_i (act_gnt ? de_act_wdata[8*C*gbk +: 8*C] : ce_act_wdata[8*C*gbk +: 8*C]),
        .b_rdata_o (act_b_rdata[8*C*gbk +: 8*C])
      );
    end
  endgenerate

  wire                wmem_we;
  wire                pb_we;
  wire [WAW-1:0]      de_w_addr;
  wire [WAW-1:0]      de_pb_waddr;
  wire [WordBits-1:0] de_w_data;
  wire                epi_we;
  wire [EpiAW-1:0]    de_epi_addr;
  wire [69:0]         de_epi_data;
  wire [WAW-1:0]      ce_w_addr;
  wire [WordBits-1:0] wmem_rdata;
  wire [WordBits-1:0] pb_rdata;
  wire [EpiAW-1:0]    ce_epi_addr;
  wire [69:0]         epi_rdata;
  wire [WordBits-1:0] unused_wmem_b;
  wire [WordBits-1:0] unused_pb_b;
  wire                pb_re;
  wire [WAW-1:0]      pb_raddr;
  wire [69:0]         unused_epi_b;

  sushi_ram #(
    .Width (WordBits),
    .Depth (WmemWords),
    .AddrW (WAW)
  ) u_wmem (
    .clk_i     (clk),
    .a_en_i    (1'b1),
    .a_addr_i  (ce_w_addr),
    .a_rdata_o (wmem_rdata),
    .b_en_i    (1'b0),
    .b_we_i    (wmem_we),
    .b_addr_i  (de_w_addr),
    .b_wdata_i (de_w_data),
    .b_rdata_o (unused_wmem_b)
  );

  sushi_ram #(
    .Width (WordBits),
    .Depth (PbWords),
    .AddrW (WAW)
  ) u_pb (
    .clk_i     (clk),
    .a_en_i    (pb_re),
    .a_addr_i  (pb_raddr),
    .a_rdata_o (pb_rdata),
    .b_en_i    (1'b0),
    .b_we_i    (pb_we),
    .b_addr_i  (de_pb_waddr),
    .b_wdata_i (de_w_data),
    .b_rdata_o (unused_pb_b)
  );

  sushi_ram #(
    .Width (70),
    .Depth (EpiEntries),
    .AddrW (EpiAW)
  ) u_epi (
    .clk_i     (clk),
    .a_en_i    (1'b1),
    .a_addr_i  (ce_epi_addr),
    .a_rdata_o (epi_rdata),
    .b_en_i    (1'b0),
    .b_we_i    (epi_we),
    .b_addr_i  (de_epi_addr),
    .b_wdata_i (de_epi_data),
    .b_rdata_o (unused_epi_b)
  );

  wire rd_w_beat;
  wire rd_pb_beat;
  wire pb_word;
  wire rd_act_beat;
  wire rd_epi_beat;
  wire wr_act_beat;

  sushi_dma_engine #(
    .AddrBits             (AddrBits),
    .DataBytes            (DataBytes),
    .MaxBurstBeats        (MaxBurstBeats),
    .MaxOutstandingWrites (MaxOutstandingWrites),
    .ArrayRows            (R),
    .ArrayCols            (C),
    .BankAW               (BankAW),
    .WAW                  (WAW),
    .EpiAW                (EpiAW)
  ) u_dma_eng (
    .clk_i           (clk),
    .rst_ni          (rst_n),
    .abort_i         (abort),
    .win_lo_i        (win_lo),
    .win_hi_i        (win_hi),
    .cmd_valid_i     (dq_valid),
    .cmd_ready_o     (dq_ready),
    .cmd_i           (dq_cmd),
    .done_o          (de_done),
    .err_o           (de_err),
    .err_code_o      (de_err_code),
    .busy_o          (de_busy),
    .ar_valid_o      (de_ar_valid),
    .ar_ready_i      (de_ar_ready),
    .ar_addr_o       (de_ar_addr),
    .ar_len_o        (de_ar_len),
    .r_valid_i       (de_r_valid),
    .r_data_i        (m_axi_rdata),
    .r_resp_i        (m_axi_rresp),
    .r_last_i        (m_axi_rlast),
    .r_ready_o       (de_r_ready),
    .m_axi_awaddr_o  (run_awaddr),
    .m_axi_awlen_o   (run_awlen),
    .m_axi_awvalid_o (run_awvalid),
    .m_axi_awready_i (m_axi_awready),
    .m_axi_wdata_o   (run_wdata),
    .m_axi_wstrb_o   (run_wstrb),
    .m_axi_wlast_o   (run_wlast),
    .m_axi_wvalid_o  (run_wvalid),
    .m_axi_wready_i  (m_axi_wready),
    .m_axi_bresp_i   (m_axi_bresp),
    .m_axi_bvalid_i  (m_axi_bvalid),
    .m_axi_bready_o  (run_bready),
    .act_gnt_i       (act_gnt),
    .act_we_o        (de_act_we),
    .act_en_o        (de_act_en),
    .act_addr_o      (de_act_addr),
    .act_wdata_o     (de_act_wdata),
    .act_rdata_i     (act_b_rdata),
    .wmem_we_o       (wmem_we),
    .pb_we_o         (pb_we),
    .w_addr_o        (de_w_addr),
    .pb_waddr_o      (de_pb_waddr),
    .w_data_o        (de_w_data),
    .epi_we_o        (epi_we),
    .epi_addr_o      (de_epi_addr),
    .epi_data_o      (de_epi_data),
    .pb_re_o         (pb_re),
    .pb_raddr_o      (pb_raddr),
    .pb_rdata_i      (pb_rdata),
    .rd_w_beat_o     (rd_w_beat),
    .rd_pb_beat_o    (rd_pb_beat),
    .pb_word_o       (pb_word),
    .rd_act_beat_o   (rd_act_beat),
    .rd_epi_beat_o   (rd_epi_beat),
    .wr_act_beat_o   (wr_act_beat)
  );

  wire [MacsIncBits-1:0] macs_inc;

  sushi_compute #(
    .ArrayRows   (R),
    .ArrayCols   (C),
    .BankAW      (BankAW),
    .WAW         (WAW),
    .EpiAW       (EpiAW),
    .MacsIncBits (MacsIncBits)
  ) u_comp (
    .clk_i         (clk),
    .rst_ni        (rst_n),
    .abort_i       (abort),
    .cmd_valid_i   (kq_valid),
    .cmd_ready_o   (kq_ready),
    .cmd_i         (kq_cmd),
    .done_o        (ce_done),
    .busy_o        (ce_busy),
    .act_a_addr_o  (ce_act_a_addr),
    .act_a_rdata_i (act_a_rdata),
    .act_b_we_o    (ce_act_we),
    .act_b_addr_o  (ce_act_addr),
    .act_b_wdata_o (ce_act_wdata),
    .w_addr_o      (ce_w_addr),
    .wmem_rdata_i  (wmem_rdata),
    .epi_addr_o    (ce_epi_addr),
    .epi_rdata_i   (epi_rdata),
    .macs_inc_o    (macs_inc)
  );

  ////////////////////
  // m_axi mux      //
  ////////////////////

  // The memcpy engine's outputs are idle (no VALID, no READY) while it is not busy, and the
  // datapath's while no command-stream job runs; the busy job owns the bus.
  assign m_axi_araddr  = dma_busy ? cp_araddr : run_araddr;
  assign m_axi_arlen   = dma_busy ? cp_arlen : run_arlen;
  assign m_axi_arsize  = cp_arsize;
  assign m_axi_arburst = cp_arburst;
  assign m_axi_arvalid = cp_arvalid || run_arvalid;
  assign m_axi_rready  = dma_busy ? cp_rready : run_rready;
  assign m_axi_awaddr  = dma_busy ? cp_awaddr : run_awaddr;
  assign m_axi_awlen   = dma_busy ? cp_awlen : run_awlen;
  assign m_axi_awsize  = cp_awsize;
  assign m_axi_awburst = cp_awburst;
  assign m_axi_awvalid = cp_awvalid || run_awvalid;
  assign m_axi_wdata   = dma_busy ? cp_wdata : run_wdata;
  assign m_axi_wstrb   = dma_busy ? cp_wstrb : run_wstrb;
  assign m_axi_wlast   = dma_busy ? cp_wlast : run_wlast;
  assign m_axi_wvalid  = cp_wvalid || run_wvalid;
  assign m_axi_bready  = dma_busy ? cp_bready : run_bready;

  wire r_beat = m_axi_rvalid && m_axi_rready;
  wire w_beat = m_axi_wvalid && m_axi_wready;
  wire rd_wait = ((dma_busy && reads_outstanding) || (run_busy && run_rd_outstanding)) && !r_beat;
  wire wr_wait = any_busy && ((m_axi_awvalid && !m_axi_awready) || (m_axi_wvalid && !m_axi_wready));

  sushi_counters #(
    .DataBytes   (DataBytes),
    .MacsIncBits (MacsIncBits),
    .WordBytes   (R * C)
  ) u_counters (
    .clk_i               (clk),
    .rst_ni              (rst_n),
    .clear_i             (counters_clear),
    .busy_i              (any_busy),
    .rd_beat_i           (r_beat),
    .wr_beat_i           (w_beat),
    .rd_wait_i           (rd_wait),
    .wr_wait_i           (wr_wait),
    .cycles_o            (cycles),
    .busy_cycles_o       (busy_cycles),
    .dram_read_bytes_o   (dram_read_bytes),
    .dram_write_bytes_o  (dram_write_bytes),
    .read_wait_cycles_o  (read_wait_cycles),
    .write_wait_cycles_o (write_wait_cycles),
    .macs_inc_i          (macs_inc),
    .comp_busy_i         (ce_busy),
    .dma_busy_i          (de_busy),
    .comp_wait_i         (comp_wait),
    .dma_wait_i          (dma_wait),
    .rd_weight_beat_i    (rd_w_beat && r_beat),
    .rd_act_beat_i       (rd_act_beat && r_beat),
    .wr_act_beat_i       (wr_act_beat),
    .rd_cmd_beat_i       (cmd_beat && r_beat),
    .rd_epi_beat_i       (rd_epi_beat && r_beat),
    .rd_pb_fill_beat_i   (rd_pb_beat && r_beat),
    .pb_word_i           (pb_word),
    .window_violation_i  (job_done && (job_code == ERR_DMA_WINDOW)),
    .pb_overflow_i       (job_done && (job_code == ERR_PB_OVERFLOW)),
    .ext_o               (ext_counters)
  );

  assign busy = any_busy;

  wire unused_dp = &{1'b0, unused_wmem_b, unused_pb_b, unused_epi_b};

  // COPY_SRC/COPY_DST bits at and above AddrBits are not used when AddrBits < 32.
  generate
    if (AddrBits < 32) begin : g_unused_addr_bits
      wire unused_ok = &{1'b0, copy_src[31:AddrBits], copy_dst[31:AddrBits]};
    end
  endgenerate

endmodule

`default_nettype wire
