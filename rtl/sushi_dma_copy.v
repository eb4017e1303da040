// SPDX-License-Identifier: Apache-2.0
//
// sushi_dma_copy: memcpy engine with an AXI4 master (INCR bursts, no IDs).
//
// Contract:
// - start_i (one-cycle pulse, ignored while busy_o) copies len_i bytes (0..2^32-1) from byte
//   address src_i to byte address dst_i. src_i and dst_i may have any byte alignment,
//   independently. busy_o rises the cycle after start_i; len_i = 0 finishes in that first busy
//   cycle without bus traffic. Source and destination must not overlap.
// - Completion: done_o pulses for one cycle in the last busy cycle (busy_o falls after it);
//   err_o and err_code_o (ERR_* of sushi_regs.vh) are valid with done_o and held until the
//   next start.
// - Bus use: full-width beats (AxSIZE = log2(DataBytes), AxBURST = INCR) at bus-aligned
//   addresses. Reads cover exactly the beats holding [src, src+len), writes exactly the beats
//   holding [dst, dst+len). Bursts have at most MaxBurstBeats beats, are cut at
//   MaxBurstBeats-aligned boundaries and so never cross 4 KiB. Bytes of a write beat outside
//   [dst, dst+len) have WSTRB = 0. WLAST marks the last beat of each burst.
// - Up to MaxOutstandingReads read bursts and MaxOutstandingWrites write bursts are in flight
//   (counted from AxVALID until the last R beat / the B response). BREADY is high while busy.
//   RREADY drops while the realignment FIFO (4*DataBytes bytes) lacks room for a beat.
// - The W channel sends beats of write burst k as soon as AW burst k is presented (it never
//   waits for AWREADY) and data is available. All VALIDs are registered and held with stable
//   payload until READY.
// - Errors: the first R beat with RRESP != OKAY (ERR_AXI_READ) or B with BRESP != OKAY
//   (ERR_AXI_WRITE) is recorded (a read error wins if both come in the same cycle). No new
//   AR or AW is presented after that; remaining R beats are accepted and dropped; every write
//   burst already presented is completed with WSTRB = 0 beats; the job ends once all
//   outstanding bursts have completed, with err_o set.
// - DMA window: a burst reaching outside [win_lo_i, win_hi_i] (beat addresses) is never
//   presented; the job ends as after an AXI error, with ERR_DMA_WINDOW.
//   abort_i (soft reset) ends it the same way with ERR_ABORTED.
// - Throughput: one R beat and one W beat per cycle when the memory keeps up.

`default_nettype none

module sushi_dma_copy #(
  // Width of a byte address in bits (13..32)
  parameter integer AddrBits = 32,
  // AXI data bus width in bytes (4, 8 or 16)
  parameter integer DataBytes = 8,
  // Longest AXI burst in beats (power of two, 1..256, MaxBurstBeats*DataBytes <= 4096)
  parameter integer MaxBurstBeats = 16,
  // Read bursts in flight at most (1..16)
  parameter integer MaxOutstandingReads = 4,
  // Write bursts in flight at most (1..16)
  parameter integer MaxOutstandingWrites = 4
) (
  input  wire                     clk_i,
  input  wire                     rst_ni,
  // Job control
  input  wire                     start_i,
  input  wire [AddrBits-1:0]      src_i,
  input  wire [AddrBits-1:0]      dst_i,
  input  wire [31:0]              len_i,
  input  wire [AddrBits-$clog2(DataBytes)-1:0] win_lo_i,
  input  wire [AddrBits-$clog2(DataBytes)-1:0] win_hi_i,
  input  wire                     abort_i,
  output wire                     busy_o,
  output wire                     done_o,
  output wire                     err_o,
  output wire [3:0]               err_code_o,
  // Some AR has been accepted whose last R beat has not arrived
  output wire                     reads_outstanding_o,
  // AXI4 master: read address
  output wire [AddrBits-1:0]      m_axi_araddr_o,
  output wire [7:0]               m_axi_arlen_o,
  output wire [2:0]               m_axi_arsize_o,
  output wire [1:0]               m_axi_arburst_o,
  output wire                     m_axi_arvalid_o,
  input  wire                     m_axi_arready_i,
  // AXI4 master: read data
  input  wire [8*DataBytes-1:0]   m_axi_rdata_i,
  input  wire [1:0]               m_axi_rresp_i,
  input  wire                     m_axi_rlast_i,
  input  wire                     m_axi_rvalid_i,
  output wire                     m_axi_rready_o,
  // AXI4 master: write address
  output wire [AddrBits-1:0]      m_axi_awaddr_o,
  output wire [7:0]               m_axi_awlen_o,
  output wire [2:0]               m_axi_awsize_o,
  output wire [1:0]               m_axi_awburst_o,
  output wire                     m_axi_awvalid_o,
  input  wire                     m_axi_awready_i,
  // AXI4 master: write data
  output wire [8*DataBytes-1:0]   m_axi_wdata_o,
  output wire [DataBytes-1:0]     m_axi_wstrb_o,
  output wire                     m_axi_wlast_o,
  output wire                     m_axi_wvalid_o,
  input  wire                     m_axi_wready_i,
  // AXI4 master: write response
  input  wire [1:0]               m_axi_bresp_i,
  input  wire                     m_axi_bvalid_i,
  output wire                     m_axi_bready_o
);

  /* verilator lint_off UNUSEDPARAM */
  `include "sushi_regs.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam integer LaneBits = $clog2(DataBytes);
  // Beats of one copy: up to (2^32 - 1 + 2*(DataBytes-1)) / DataBytes, below 2^(33-LaneBits).
  localparam integer CountBits = 33 - LaneBits;
  localparam integer FifoBytes = 4 * DataBytes;
  localparam integer FifoCntBits = $clog2(FifoBytes) + 1;
  localparam integer RdCntBits = $clog2(MaxOutstandingReads + 1);
  localparam integer WrCntBits = $clog2(MaxOutstandingWrites + 1);
  // FIFO of AWLEN values of presented write bursts whose W beats are not all loaded yet.
  localparam integer WlenPtrBits = (MaxOutstandingWrites > 1) ? $clog2(MaxOutstandingWrites) : 1;
  localparam integer WlenDepth = 1 << WlenPtrBits;

  localparam [2:0]             AxSize = LaneBits[2:0];
  localparam [1:0]             BurstIncr = 2'b01;
  localparam [LaneBits:0]      FullBeat = DataBytes[LaneBits:0];
  // RREADY only while the FIFO holds at most this many bytes (room for a whole beat).
  localparam integer           FifoPushMaxInt = FifoBytes - DataBytes;
  localparam [FifoCntBits-1:0] FifoPushMax = FifoPushMaxInt[FifoCntBits-1:0];
  localparam [RdCntBits-1:0]   RdMax = MaxOutstandingReads[RdCntBits-1:0];
  localparam [WrCntBits-1:0]   WrMax = MaxOutstandingWrites[WrCntBits-1:0];
  localparam [CountBits-1:0]   OneBeat = 1;
  localparam [CountBits-1:0]   TwoBeats = 2;

  generate
    if (!(DataBytes == 4 || DataBytes == 8 || DataBytes == 16)) begin : g_illegal_data_bytes
      $error("sushi_dma_copy: DataBytes=%0d must be 4, 8 or 16", DataBytes);
    end
    if (AddrBits < 13 || AddrBits > 32) begin : g_illegal_addr_bits
      $error("sushi_dma_copy: AddrBits=%0d must be in 13..32", AddrBits);
    end
    if (MaxOutstandingReads < 1 || MaxOutstandingReads > 16) begin : g_illegal_max_reads
      $error("sushi_dma_copy: MaxOutstandingReads=%0d must be in 1..16", MaxOutstandingReads);
    end
    if (MaxOutstandingWrites < 1 || MaxOutstandingWrites > 16) begin : g_illegal_max_writes
      $error("sushi_dma_copy: MaxOutstandingWrites=%0d must be in 1..16", MaxOutstandingWrites);
    end
  endgenerate

  ////////////////////
  // Job state      //
  ////////////////////

  reg                 busy_q;
  reg                 err_q;
  reg  [3:0]          err_code_q;
  reg  [LaneBits-1:0] src_off_q;   // lane of the first source byte
  reg  [LaneBits-1:0] dst_off_q;   // lane of the first destination byte
  reg  [LaneBits:0]   dst_end_q;   // one past the lane of the last destination byte (1..DataBytes)

  wire start = start_i && !busy_q;

  // Beat counts: the bus-aligned beats holding [addr, addr+len).
  wire                len_zero = (len_i == 32'd0);
  wire [LaneBits-1:0] src_off = src_i[LaneBits-1:0];
  wire [LaneBits-1:0] dst_off = dst_i[LaneBits-1:0];
  wire [32:0]         rd_span = {1'b0, len_i} + {{(33-LaneBits){1'b0}}, src_off} + (DataBytes - 1);
  wire [32:0]         wr_span = {1'b0, len_i} + {{(33-LaneBits){1'b0}}, dst_off} + (DataBytes - 1);
  wire [CountBits-1:0] rd_beats = len_zero ? {CountBits{1'b0}} : rd_span[32:LaneBits];
  wire [CountBits-1:0] wr_beats = len_zero ? {CountBits{1'b0}} : wr_span[32:LaneBits];
  wire [LaneBits-1:0] dst_last_lane = dst_off + len_i[LaneBits-1:0] - 1'b1;

  always @(posedge clk_i) begin
    if (start) begin
      src_off_q <= src_off;
      dst_off_q <= dst_off;
      dst_end_q <= {1'b0, dst_last_lane} + 1'b1;
    end
  end

  ////////////////////
  // Read side      //
  ////////////////////

  reg  [RdCntBits-1:0] rd_inflight_q;  // AR presented or accepted, last R beat not received
  reg                  rd_first_q;     // next R beat is the first of the copy

  wire                 ar_issue;
  wire                 rd_credit;
  wire [7:0]           ar_issue_len;
  wire                 ar_pending;
  wire                 ar_viol;
  wire                 fifo_push;
  wire [FifoCntBits-1:0] fifo_count;

  sushi_axi_burst_gen #(
    .AddrBits      (AddrBits),
    .DataBytes     (DataBytes),
    .MaxBurstBeats (MaxBurstBeats),
    .CountBits     (CountBits)
  ) u_ar_gen (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .win_lo_i      (win_lo_i),
    .win_hi_i      (win_hi_i),
    .viol_o        (ar_viol),
    .start_i       (start),
    .start_addr_i  (src_i),
    .start_beats_i (rd_beats),
    .en_i          (busy_q && !err_q && rd_credit),
    .valid_o       (m_axi_arvalid_o),
    .ready_i       (m_axi_arready_i),
    .addr_o        (m_axi_araddr_o),
    .len_o         (m_axi_arlen_o),
    .issue_o       (ar_issue),
    .issue_len_o   (ar_issue_len),
    .pending_o     (ar_pending)
  );

  assign m_axi_arsize_o  = AxSize;
  assign m_axi_arburst_o = BurstIncr;

  // Accept R beats while there is room for a whole beat; after an error, drain them all.
  assign m_axi_rready_o = busy_q && (err_q || (fifo_count <= FifoPushMax));

  wire r_hs = m_axi_rvalid_i && m_axi_rready_o;
  wire r_err = r_hs && (m_axi_rresp_i != AXI_RESP_OKAY);
  // A new read burst may be presented when one is free now or completes this cycle.
  assign rd_credit = (rd_inflight_q < RdMax) || (r_hs && m_axi_rlast_i);

  // Every R beat pushes all its bytes from the first source lane up. The last beat may thus
  // push up to DataBytes-1 bytes past the end of the source; the W side never pops them and the
  // FIFO is cleared at the next start.
  wire [LaneBits-1:0] r_lane = rd_first_q ? src_off_q : {LaneBits{1'b0}};
  wire [LaneBits:0]   r_cnt = FullBeat - {1'b0, r_lane};
  assign fifo_push = r_hs && !err_q && !r_err;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      rd_inflight_q <= {RdCntBits{1'b0}};
    end else if (ar_issue && !(r_hs && m_axi_rlast_i)) begin
      rd_inflight_q <= rd_inflight_q + 1'b1;
    end else if (!ar_issue && r_hs && m_axi_rlast_i) begin
      rd_inflight_q <= rd_inflight_q - 1'b1;
    end
  end

  always @(posedge clk_i) begin
    if (start) begin
      rd_first_q <= 1'b1;
    end else if (r_hs) begin
      rd_first_q <= 1'b0;
    end
  end

  assign reads_outstanding_o = rd_inflight_q > {{(RdCntBits-1){1'b0}}, m_axi_arvalid_o};

  ////////////////////
  // Byte FIFO      //
  ////////////////////

  wire                   fifo_pop;
  wire [LaneBits-1:0]    w_lane;
  wire [LaneBits:0]      w_cnt;
  wire [8*DataBytes-1:0] fifo_pop_data;

  sushi_byte_fifo #(
    .DataBytes  (DataBytes),
    .DepthBytes (FifoBytes)
  ) u_fifo (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .clear_i     (start),
    .push_i      (fifo_push),
    .push_data_i (m_axi_rdata_i),
    .push_off_i  (r_lane),
    .push_cnt_i  (r_cnt),
    .pop_i       (fifo_pop),
    .pop_off_i   (w_lane),
    .pop_cnt_i   (w_cnt),
    .pop_data_o  (fifo_pop_data),
    .count_o     (fifo_count)
  );

  ////////////////////
  // Write address  //
  ////////////////////

  reg  [WrCntBits-1:0] wr_inflight_q;  // AW presented or accepted, B not received
  wire                 aw_issue;
  wire                 wr_credit;
  wire [7:0]           aw_issue_len;
  wire                 aw_pending;
  wire                 aw_viol;

  sushi_axi_burst_gen #(
    .AddrBits      (AddrBits),
    .DataBytes     (DataBytes),
    .MaxBurstBeats (MaxBurstBeats),
    .CountBits     (CountBits)
  ) u_aw_gen (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .win_lo_i      (win_lo_i),
    .win_hi_i      (win_hi_i),
    .viol_o        (aw_viol),
    .start_i       (start),
    .start_addr_i  (dst_i),
    .start_beats_i (wr_beats),
    .en_i          (busy_q && !err_q && wr_credit),
    .valid_o       (m_axi_awvalid_o),
    .ready_i       (m_axi_awready_i),
    .addr_o        (m_axi_awaddr_o),
    .len_o         (m_axi_awlen_o),
    .issue_o       (aw_issue),
    .issue_len_o   (aw_issue_len),
    .pending_o     (aw_pending)
  );

  assign m_axi_awsize_o  = AxSize;
  assign m_axi_awburst_o = BurstIncr;

  // AWLEN FIFO: written when an AW burst is presented, read when its first W beat is loaded.
  // Its occupancy never exceeds wr_inflight_q <= MaxOutstandingWrites <= WlenDepth.
  reg  [7:0]             wlen_mem [0:WlenDepth-1];
  reg  [WlenPtrBits-1:0] wlen_wptr_q;
  reg  [WlenPtrBits-1:0] wlen_rptr_q;
  reg  [WlenPtrBits:0]   wlen_cnt_q;
  wire                   wlen_pop;
  wire [7:0]             wlen_head = wlen_mem[wlen_rptr_q];

  always @(posedge clk_i) begin
    if (aw_issue) begin
      wlen_mem[wlen_wptr_q] <= aw_issue_len;
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni || start) begin
      wlen_wptr_q <= {WlenPtrBits{1'b0}};
      wlen_rptr_q <= {WlenPtrBits{1'b0}};
      wlen_cnt_q  <= {(WlenPtrBits+1){1'b0}};
    end else begin
      if (aw_issue) begin
        wlen_wptr_q <= wlen_wptr_q + 1'b1;
      end
      if (wlen_pop) begin
        wlen_rptr_q <= wlen_rptr_q + 1'b1;
      end
      if (aw_issue && !wlen_pop) begin
        wlen_cnt_q <= wlen_cnt_q + 1'b1;
      end else if (!aw_issue && wlen_pop) begin
        wlen_cnt_q <= wlen_cnt_q - 1'b1;
      end
    end
  end

  ////////////////////
  // Write data     //
  ////////////////////

  reg                    wvalid_q;
  reg  [8*DataBytes-1:0] wdata_q;
  reg  [DataBytes-1:0]   wstrb_q;
  reg                    wlast_q;
  reg  [7:0]             wb_left_q;   // beats of the current W burst not yet loaded
  reg                    wr_first_q;  // next W beat is the first of the copy
  reg                    wr_last_q;   // next W beat is the last of the copy
  reg  [CountBits-1:0]   wr_left_q;   // W beats of the copy not yet loaded

  wire w_new_burst = (wb_left_q == 8'd0);
  wire w_burst_ok = !w_new_burst || (wlen_cnt_q != {(WlenPtrBits+1){1'b0}});
  wire [LaneBits:0] w_end = wr_last_q ? dst_end_q : FullBeat;
  assign w_lane = wr_first_q ? dst_off_q : {LaneBits{1'b0}};
  assign w_cnt = w_end - {1'b0, w_lane};
  wire w_data_ok = err_q || (fifo_count >= {{(FifoCntBits-LaneBits-1){1'b0}}, w_cnt});
  wire w_slot_free = !wvalid_q || m_axi_wready_i;
  wire w_load = busy_q && w_slot_free && w_burst_ok && w_data_ok;
  wire [DataBytes-1:0] w_strb = ({DataBytes{1'b1}} << w_lane) & ~({DataBytes{1'b1}} << w_end);

  assign fifo_pop = w_load && !err_q;
  assign wlen_pop = w_load && w_new_burst;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      wvalid_q  <= 1'b0;
      wb_left_q <= 8'd0;
    end else if (start) begin
      wb_left_q <= 8'd0;
    end else if (w_load) begin
      wvalid_q  <= 1'b1;
      wb_left_q <= w_new_burst ? wlen_head : wb_left_q - 8'd1;
    end else if (m_axi_wready_i) begin
      wvalid_q  <= 1'b0;
    end
  end

  always @(posedge clk_i) begin
    if (start) begin
      wr_first_q <= 1'b1;
      wr_last_q  <= (wr_beats == OneBeat);
      wr_left_q  <= wr_beats;
    end else if (w_load) begin
      wr_first_q <= 1'b0;
      wr_last_q  <= (wr_left_q == TwoBeats);
      wr_left_q  <= wr_left_q - 1'b1;
    end
    if (w_load) begin
      wdata_q <= fifo_pop_data;
      wstrb_q <= err_q ? {DataBytes{1'b0}} : w_strb;
      wlast_q <= w_new_burst ? (wlen_head == 8'd0) : (wb_left_q == 8'd1);
    end
  end

  assign m_axi_wvalid_o = wvalid_q;
  assign m_axi_wdata_o  = wdata_q;
  assign m_axi_wstrb_o  = wstrb_q;
  assign m_axi_wlast_o  = wlast_q;

  ////////////////////
  // Write response //
  ////////////////////

  assign m_axi_bready_o = busy_q;
  wire b_hs = m_axi_bvalid_i && busy_q;
  wire b_err = b_hs && (m_axi_bresp_i != AXI_RESP_OKAY);
  // A new write burst may be presented when one is free now or completes this cycle.
  assign wr_credit = (wr_inflight_q < WrMax) || b_hs;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      wr_inflight_q <= {WrCntBits{1'b0}};
    end else if (aw_issue && !b_hs) begin
      wr_inflight_q <= wr_inflight_q + 1'b1;
    end else if (!aw_issue && b_hs) begin
      wr_inflight_q <= wr_inflight_q - 1'b1;
    end
  end

  ////////////////////
  // Completion     //
  ////////////////////

  // Everything presented has completed; without an error also nothing is left to issue.
  wire finish = busy_q && (rd_inflight_q == {RdCntBits{1'b0}}) &&
                (wr_inflight_q == {WrCntBits{1'b0}}) && (err_q || (!ar_pending && !aw_pending));

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      busy_q     <= 1'b0;
      err_q      <= 1'b0;
      err_code_q <= ERR_NONE;
    end else if (start) begin
      busy_q     <= 1'b1;
      err_q      <= 1'b0;
      err_code_q <= ERR_NONE;
    end else begin
      if (finish) begin
        busy_q <= 1'b0;
      end
      if (!err_q && r_err) begin
        err_q      <= 1'b1;
        err_code_q <= ERR_AXI_READ;
      end else if (!err_q && b_err) begin
        err_q      <= 1'b1;
        err_code_q <= ERR_AXI_WRITE;
      end else if (!err_q && (ar_viol || aw_viol)) begin
        err_q      <= 1'b1;
        err_code_q <= ERR_DMA_WINDOW;
      end else if (!err_q && abort_i) begin
        err_q      <= 1'b1;
        err_code_q <= ERR_ABORTED;
      end
    end
  end

  // Unused: the byte-lane bits of the span sums (shifted out) and the AR burst length (the
  // read side counts beats per copy and trusts RLAST for burst ends).
  wire unused_ok = &{1'b0, rd_span[LaneBits-1:0], wr_span[LaneBits-1:0], ar_issue_len};

  assign busy_o     = busy_q;
  assign done_o     = finish;
  assign err_o      = err_q;
  assign err_code_o = err_code_q;

endmodule

`default_nettype wire
