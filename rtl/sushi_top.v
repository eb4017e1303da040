// SPDX-License-Identifier: Apache-2.0
//
// sushi_top: SUSHI accelerator top level (memcpy DMA engine, register file, counters).
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
//   but CYCLES.

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
  parameter [31:0] ConfigHash = 32'h0
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
  endgenerate

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
    .busy_i              (dma_busy),
    .done_i              (dma_done),
    .err_i               (dma_err),
    .err_code_i          (dma_err_code),
    .counters_clear_o    (counters_clear),
    .cycles_i            (cycles),
    .busy_cycles_i       (busy_cycles),
    .dram_read_bytes_i   (dram_read_bytes),
    .dram_write_bytes_i  (dram_write_bytes),
    .read_wait_cycles_i  (read_wait_cycles),
    .write_wait_cycles_i (write_wait_cycles),
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
    .busy_o              (dma_busy),
    .done_o              (dma_done),
    .err_o               (dma_err),
    .err_code_o          (dma_err_code),
    .reads_outstanding_o (reads_outstanding),
    .m_axi_araddr_o      (m_axi_araddr),
    .m_axi_arlen_o       (m_axi_arlen),
    .m_axi_arsize_o      (m_axi_arsize),
    .m_axi_arburst_o     (m_axi_arburst),
    .m_axi_arvalid_o     (m_axi_arvalid),
    .m_axi_arready_i     (m_axi_arready),
    .m_axi_rdata_i       (m_axi_rdata),
    .m_axi_rresp_i       (m_axi_rresp),
    .m_axi_rlast_i       (m_axi_rlast),
    .m_axi_rvalid_i      (m_axi_rvalid),
    .m_axi_rready_o      (m_axi_rready),
    .m_axi_awaddr_o      (m_axi_awaddr),
    .m_axi_awlen_o       (m_axi_awlen),
    .m_axi_awsize_o      (m_axi_awsize),
    .m_axi_awburst_o     (m_axi_awburst),
    .m_axi_awvalid_o     (m_axi_awvalid),
    .m_axi_awready_i     (m_axi_awready),
    .m_axi_wdata_o       (m_axi_wdata),
    .m_axi_wstrb_o       (m_axi_wstrb),
    .m_axi_wlast_o       (m_axi_wlast),
    .m_axi_wvalid_o      (m_axi_wvalid),
    .m_axi_wready_i      (m_axi_wready),
    .m_axi_bresp_i       (m_axi_bresp),
    .m_axi_bvalid_i      (m_axi_bvalid),
    .m_axi_bready_o      (m_axi_bready)
  );

  wire r_beat = m_axi_rvalid && m_axi_rready;
  wire w_beat = m_axi_wvalid && m_axi_wready;
  wire rd_wait = dma_busy && reads_outstanding && !r_beat;
  wire wr_wait = dma_busy && ((m_axi_awvalid && !m_axi_awready) || (m_axi_wvalid && !m_axi_wready));

  sushi_counters #(
    .DataBytes (DataBytes)
  ) u_counters (
    .clk_i               (clk),
    .rst_ni              (rst_n),
    .clear_i             (counters_clear),
    .busy_i              (dma_busy),
    .rd_beat_i           (r_beat),
    .wr_beat_i           (w_beat),
    .rd_wait_i           (rd_wait),
    .wr_wait_i           (wr_wait),
    .cycles_o            (cycles),
    .busy_cycles_o       (busy_cycles),
    .dram_read_bytes_o   (dram_read_bytes),
    .dram_write_bytes_o  (dram_write_bytes),
    .read_wait_cycles_o  (read_wait_cycles),
    .write_wait_cycles_o (write_wait_cycles)
  );

  assign busy = dma_busy;

  // COPY_SRC/COPY_DST bits at and above AddrBits are not used when AddrBits < 32.
  generate
    if (AddrBits < 32) begin : g_unused_addr_bits
      wire unused_ok = &{1'b0, copy_src[31:AddrBits], copy_dst[31:AddrBits]};
    end
  endgenerate

endmodule

`default_nettype wire
