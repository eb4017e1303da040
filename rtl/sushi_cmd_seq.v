// SPDX-License-Identifier: Apache-2.0
//
// sushi_cmd_seq: command fetcher, checker and dispatcher of the command-stream job (CTRL.RUN).
//
// Contract:
// - start_i (one cycle, ignored while busy_o) latches base_i (CMD_BASE; bits [4:0] ignored) and
//   limit_i (CMD_LIMIT). busy_o rises the next cycle.
// - Fetch: one AR burst of 32/DataBytes beats per command (ar_* towards sushi_rd_arb), several
//   in flight, never more than FetchDepth commands fetched and not yet dispatched; at most
//   limit_i commands in total; none after END or an error.
// - Dispatch, in order, one command per cycle: END stops dispatching; DMA opcodes go to the
//   DMA queue, compute opcodes to the compute queue (QueueDepth entries each). A queue head is
//   offered to its engine (eng_valid_o) only when the other engine's completed-command count
//   has reached the command's WAIT_COUNT; eng_ready_i accepts it; eng_done_i pulses once per
//   completed command.
// - Command errors: unknown opcode at the head -> ERR_BAD_OPCODE; fields out of range ->
//   ERR_BAD_COMMAND (rtl/README.md lists the checks); limit_i commands dispatched without
//   END -> ERR_NO_END; an R beat with RRESP != OKAY on a command fetch -> ERR_AXI_READ (the
//   commands fetched before it are still dispatched; ignored if an END comes first). A command
//   error stops fetching and dispatching; the commands already dispatched complete, as if the
//   stream ended before the failing command.
// - DMA window: a fetch burst outside [win_lo_i, win_hi_i] (beat addresses) is not issued;
//   if no END was dispatched before it, the job stops like a failed fetch, with ERR_DMA_WINDOW.
// - LOAD_PB, LOAD_W_PB or COPY_PB reaching beyond the PB fail their checks with ERR_PB_OVERFLOW
//   (LOAD_W_PB and COPY_PB: ahead of a WMEM extent beyond WMEM).
// - abort_i (CTRL.SOFT_RESET) aborts like a DMA error, with ERR_ABORTED.
// - dma_err_i (an AXI error or window violation of a DMA transfer) aborts: abort_o stays high, both queues are
//   flushed, the engines stop (the DMA engine completes the AXI bursts it has presented),
//   fetch R beats are drained. It takes precedence over a pending command error.
// - done_o pulses in the last busy cycle, once both queues are empty, both engines idle and
//   no fetch is in flight, after END or an error. err_o/err_code_o are valid with done_o.
// - Counter events: dma_wait_o / comp_wait_o (an idle engine has a queued command whose wait
//   condition is false), cmd_beat_o (an R beat of a command fetch).

`default_nettype none

module sushi_cmd_seq #(
  // Width of a byte address in bits
  parameter integer AddrBits = 32,
  // AXI data bus width in bytes
  parameter integer DataBytes = 8,
  // MAC array rows R
  parameter integer ArrayRows = 16,
  // MAC array columns C
  parameter integer ArrayCols = 8,
  // ACT vectors (ActBytes / C)
  parameter integer ActVectors = 16384,
  // WMEM words
  parameter integer WmemWords = 256,
  // PB words
  parameter integer PbWords = 2048,
  // EPI entries
  parameter integer EpiEntries = 1024
) (
  input  wire                 clk_i,
  input  wire                 rst_ni,
  input  wire                 start_i,
  input  wire [31:0]          base_i,
  input  wire [31:0]          limit_i,
  input  wire                 abort_i,
  // DMA window in beat addresses, inclusive
  input  wire [AddrBits-$clog2(DataBytes)-1:0] win_lo_i,
  input  wire [AddrBits-$clog2(DataBytes)-1:0] win_hi_i,
  output wire                 busy_o,
  output wire                 done_o,
  output wire                 err_o,
  output wire [3:0]           err_code_o,
  output wire                 abort_o,
  // Fetch reads
  output wire                 ar_valid_o,
  input  wire                 ar_ready_i,
  output wire [AddrBits-1:0]  ar_addr_o,
  output wire [7:0]           ar_len_o,
  input  wire                 r_valid_i,
  input  wire [8*DataBytes-1:0] r_data_i,
  input  wire [1:0]           r_resp_i,
  output wire                 r_ready_o,
  // DMA engine
  output wire                 dma_valid_o,
  input  wire                 dma_ready_i,
  output wire [255:0]         dma_cmd_o,
  input  wire                 dma_done_i,
  input  wire                 dma_err_i,
  input  wire [3:0]           dma_err_code_i,
  // Compute engine
  output wire                 comp_valid_o,
  input  wire                 comp_ready_i,
  output wire [255:0]         comp_cmd_o,
  input  wire                 comp_done_i,
  // Counter events
  output wire                 dma_wait_o,
  output wire                 comp_wait_o,
  output wire                 cmd_beat_o
);

  /* verilator lint_off UNUSEDPARAM */
  `include "sushi_regs.vh"
  `include "sushi_cmds.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam integer R = ArrayRows;
  localparam integer C = ArrayCols;
  localparam integer LaneBits = $clog2(DataBytes);
  localparam integer BeatsPerCmd = 32 / DataBytes;
  localparam integer BeatBits = $clog2(BeatsPerCmd);
  localparam integer FetchDepth = 4;
  localparam integer QueueDepth = 2;
  localparam integer LastBeatInt = BeatsPerCmd - 1;
  localparam [7:0]   CmdLen = LastBeatInt[7:0];
  localparam [BeatBits-1:0] LastBeat = LastBeatInt[BeatBits-1:0];
  localparam integer LgR = $clog2(R);
  localparam integer LgC = $clog2(C);
  localparam integer RMaskInt = R - 1;
  localparam [7:0]   RMask = RMaskInt[7:0];

  ////////////////////
  // Job state      //
  ////////////////////

  reg         busy_q;
  reg         err_q;
  reg  [3:0]  err_code_q;
  reg         end_q;          // END dispatched
  reg         ferr_q;         // a command fetch got RRESP != OKAY
  reg         fwin_q;         // a command fetch was refused by the DMA window
  reg         derr_q;         // the head failed its checks (code in derr_code_q)
  reg  [3:0]  derr_code_q;
  reg         noend_q;        // CMD_LIMIT commands dispatched without END
  reg  [31:0] limit_q;
  reg  [31:0] fetched_q;      // commands requested
  reg  [AddrBits-1:0] faddr_q;
  reg  [23:0] dma_cnt_q;      // DMA commands completed
  reg  [23:0] comp_cnt_q;     // compute commands completed

  wire start = start_i && !busy_q;

  ////////////////////
  // Fetch          //
  ////////////////////

  reg                 arv_q;
  reg  [2:0]          finfl_q;   // granted fetch bursts not yet completed
  reg  [BeatBits-1:0] beat_q;
  reg  [255:0]        asm_q;
  reg                 rerr_q;    // current fetch burst had an error beat

  wire [$clog2(FetchDepth):0] cq_cnt;
  wire [255:0]                cq_head;
  wire                        cq_full;
  // A refused fetch stops fetching, but the commands fetched before it still arrive and count.
  wire                        stop_push = end_q || err_q || ferr_q || derr_q || noend_q;
  wire                        stop_fetch = stop_push || fwin_q;
  // The next fetch burst (32 bytes at faddr_q) must lie in the DMA window.
  localparam integer BeatAW = AddrBits - LaneBits;
  wire [BeatAW-1:0]           f_first = faddr_q[AddrBits-1:LaneBits];
  localparam [BeatAW:0]       FetchLast = LastBeatInt[BeatAW:0];
  wire [BeatAW:0]             f_last = {1'b0, f_first} + FetchLast;
  wire                        f_out = (f_first < win_lo_i) || (f_last > {1'b0, win_hi_i});
  wire [3:0]                  reserved = {1'b0, cq_cnt} + {1'b0, finfl_q} + {3'd0, arv_q};
  wire                        want_fetch = busy_q && !stop_fetch && (fetched_q != limit_q) &&
                                           (reserved < FetchDepth[3:0]);
  wire                        can_fetch = want_fetch && !f_out;
  wire                        fetch_viol = want_fetch && f_out && !arv_q;
  wire                        ar_hs = arv_q && ar_ready_i;
  wire                        r_hs = r_valid_i;  // r_ready_o is always 1
  wire                        r_last = r_hs && (beat_q == LastBeat);
  wire                        r_bad = r_hs && (r_resp_i != AXI_RESP_OKAY);
  wire [255:0]                cmd_in;

  genvar gb;
  generate
    for (gb = 0; gb < BeatsPerCmd; gb = gb + 1) begin : g_asm
      assign cmd_in[8*DataBytes*gb +: 8*DataBytes] =
        (gb == BeatsPerCmd - 1) ? r_data_i : asm_q[8*DataBytes*gb +: 8*DataBytes];
    end
  endgenerate

  wire cq_push = r_last && !rerr_q && !r_bad && !stop_push;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      arv_q   <= 1'b0;
      finfl_q <= 3'd0;
      beat_q  <= {BeatBits{1'b0}};
      rerr_q  <= 1'b0;
    end else begin
      if (ar_hs) begin
        arv_q <= 1'b0;
      end else if (can_fetch && !arv_q) begin
        arv_q <= 1'b1;
      end else if (stop_fetch) begin
        arv_q <= 1'b0;
      end
      if (ar_hs && !r_last) begin
        finfl_q <= finfl_q + 3'd1;
      end else if (!ar_hs && r_last) begin
        finfl_q <= finfl_q - 3'd1;
      end
      if (r_hs) begin
        beat_q <= r_last ? {BeatBits{1'b0}} : beat_q + 1'b1;
        rerr_q <= r_last ? 1'b0 : (rerr_q || r_bad);
      end
    end
  end

  always @(posedge clk_i) begin
    if (start) begin
      faddr_q <= {base_i[AddrBits-1:5], 5'd0};
    end else if (ar_hs) begin
      faddr_q <= faddr_q + 32;
    end
  end

  genvar gab;
  generate
    for (gab = 0; gab < BeatsPerCmd; gab = gab + 1) begin : g_asm_w
      always @(posedge clk_i) begin
        if (r_hs && (beat_q == gab[BeatBits-1:0])) begin
          asm_q[8*DataBytes*gab +: 8*DataBytes] <= r_data_i;
        end
      end
    end
  endgenerate

  assign ar_valid_o = arv_q;
  assign ar_addr_o  = faddr_q;
  assign ar_len_o   = CmdLen;
  assign r_ready_o  = 1'b1;
  assign cmd_beat_o = r_hs;

  ////////////////////
  // Command FIFO   //
  ////////////////////

  wire cq_pop;

  sushi_fifo #(
    .Width (256),
    .Depth (FetchDepth)
  ) u_cq (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .clear_i     (start),
    .push_i      (cq_push),
    .push_data_i (cmd_in),
    .pop_i       (cq_pop),
    .head_o      (cq_head),
    .count_o     (cq_cnt),
    .full_o      (cq_full)
  );

  ////////////////////
  // Checks         //
  ////////////////////

  wire [7:0]  op = cq_head[7:0];
  wire [31:0] w1 = cq_head[32*1 +: 32];
  wire [31:0] w2 = cq_head[32*2 +: 32];
  wire [31:0] w3 = cq_head[32*3 +: 32];
  wire [31:0] w4 = cq_head[32*4 +: 32];
  wire [31:0] w5 = cq_head[32*5 +: 32];
  wire [31:0] w6 = cq_head[32*6 +: 32];
  wire [31:0] w7 = cq_head[32*7 +: 32];

  wire is_end  = (op == OP_END);
  wire is_dma  = (op == OP_LOAD_ACT) || (op == OP_STORE_ACT) || (op == OP_LOAD_W) ||
                 (op == OP_LOAD_PB) || (op == OP_LOAD_EPI) || (op == OP_COPY_PB) ||
                 (op == OP_LOAD_W_PB);
  wire is_copy = (op == OP_COPY_PB);
  wire is_dep  = (op == OP_LOAD_W_PB);
  wire is_win  = (op == OP_CONV) || (op == OP_DWCONV) || (op == OP_GAP);
  wire is_add  = (op == OP_ADD);

  // DMA: rows, on-chip extents and DRAM alignment. Row i reaches on-chip unit
  // SRAM_ADDR + i*SRAM_STRIDE + COUNT - 1 (COPY_PB and LOAD_W_PB: also PB word
  // PB_ADDR + i*PB_STRIDE + COUNT - 1, their PB fields at w1/w5 and w7/w4[31:16]); the
  // (ROWS-1)*stride products are registered with the other products (chk_q).
  reg [31:0] dma_lim;
  always @* begin
    case (op)
      OP_LOAD_ACT, OP_STORE_ACT: dma_lim = ActVectors;
      OP_LOAD_W, OP_COPY_PB, OP_LOAD_W_PB: dma_lim = WmemWords;
      OP_LOAD_PB:                dma_lim = PbWords;
      default:                   dma_lim = EpiEntries;
    endcase
  end
  reg  [39:0] dst_span_q;    // (ROWS-1) * SRAM_STRIDE
  reg  [39:0] src_span_q;    // (ROWS-1) * PB_STRIDE (COPY_PB, LOAD_W_PB)
  wire [15:0] rows     = w4[15:0];
  wire [15:0] rows_m1  = rows - 16'd1;
  wire        one_row  = (op == OP_LOAD_ACT) || (op == OP_STORE_ACT) || (op == OP_LOAD_EPI);
  wire        rows_bad = (rows == 16'd0) || (one_row && (rows != 16'd1));
  wire [40:0] dst_end  = {17'd0, w2[23:0]} + {1'b0, dst_span_q} + {17'd0, w3[23:0]};
  wire [23:0] pb_first = is_dep ? w7[23:0] : w1[23:0];
  wire [23:0] pb_stride = is_dep ? {8'd0, w4[31:16]} : w5[23:0];
  wire [40:0] src_end  = {17'd0, pb_first} + {1'b0, src_span_q} + {17'd0, w3[23:0]};
  wire        dst_over = dst_end > {9'd0, dma_lim};
  wire        pb_over  = (is_copy || is_dep) ? (src_end > {9'd0, PbWords[31:0]}) :
                         ((op == OP_LOAD_PB) && dst_over);
  wire        al_bad   = !is_copy && ((w1[LaneBits-1:0] != {LaneBits{1'b0}}) ||
                                      ((rows > 16'd1) && (w5[LaneBits-1:0] != {LaneBits{1'b0}})));
  wire        dma_bad  = rows_bad || al_bad || dst_over || pb_over;

  // Window commands.
  wire [3:0]  k      = w1[27:24];
  wire [1:0]  st     = w1[29:28];
  wire [7:0]  in_w   = w2[15:8];
  wire [7:0]  in_cv  = w2[23:16];
  wire [7:0]  out_cv = w3[31:24];
  wire [7:0]  out_rows = w4[15:8];
  wire [7:0]  groups = w4[23:16];
  wire [7:0]  in_vec = w4[31:24];
  wire [31:0] k2     = {28'd0, k} * {28'd0, k};
  wire [7:0]  ow     = (in_w == 8'd0) ? 8'd0 : ((st == 2'd2) ? ({1'b0, in_w[7:1]} + {7'd0, ~in_w[0]}) : in_w);
  wire [31:0] owb    = ({24'd0, ow} + (R - 1)) >> LgR;
  wire [31:0] nb     = (k2 + (R - 1)) >> LgR;
  wire        k_ok   = (k == 4'd1) || (k == 4'd3) || (k == 4'd5) || (k == 4'd7);
  wire        s_ok   = (st == 2'd1) || (st == 2'd2);
  wire        al_ok  = (w1[LgR-1:0] == {LgR{1'b0}}) && (w3[LgR-1:0] == {LgR{1'b0}});
  // Products are split over two cycles: the first factor pairs are registered (chk_q) before
  // the head may be dispatched.
  reg         chk_q;      // the *_q products below belong to the current head
  reg  [15:0] gk2_q;      // GROUPS * k*k
  reg  [15:0] orows_q;    // (OUT_ROWS-1) * ceil(OW/R) + (OW-1)/R
  reg  [19:0] irows_q;    // (last input row - IN_ROW0) * ceil(IN_W/R) + (IN_W-1)/R
  wire        is_conv = (op == OP_CONV);
  wire        is_gap  = (op == OP_GAP);
  // Vectors per position read (CONV: all IN_CV; DWCONV, GAP: GROUPS) and written.
  wire [15:0] nv_in   = is_conv ? {8'd0, in_cv} : {8'd0, groups};
  wire [15:0] nv_out  = is_conv ? (({8'd0, groups} << LgR) >> LgC) : {8'd0, groups};
  wire [31:0] w_end   = {8'd0, w5[23:0]} + (is_conv ? {16'd0, gk2_q} * {24'd0, in_cv}
                                                    : {24'd0, groups} * nb);
  wire [31:0] e_end   = {16'd0, w6[15:0]} + (is_conv ? ({24'd0, groups} << LgR)
                                                     : ({24'd0, groups} << LgC));
  wire [7:0]  ow_m1   = ow - 8'd1;
  wire [7:0]  in_w_m1 = in_w - 8'd1;
  wire [31:0] out_last = {8'd0, w3[23:0]} +
                         (is_gap ? (({16'd0, nv_out} - 32'd1) << LgR)
                                 : ((({16'd0, orows_q} * {24'd0, out_cv} + {16'd0, nv_out} - 32'd1) << LgR) +
                                    {24'd0, ow_m1 & RMask}));
  wire        out_none = (nv_out == 16'd0) || (!is_gap && ((out_rows == 8'd0) || (ow == 8'd0)));
  // Input rows read: [max(0, OUT_ROW0*s - k/2), min(IN_H-1, (OUT_ROW0+OUT_ROWS-1)*s + k/2)]
  // (GAP: all IN_H rows); they must lie in the stored band, and the last vector inside ACT.
  wire [7:0]  in_h     = w2[7:0];
  wire [7:0]  in_row0  = w2[31:24];
  wire [7:0]  out_row0 = w4[7:0];
  wire [11:0] pad      = {9'd0, k[3:1]};
  wire [11:0] top_row  = (st == 2'd2) ? {3'd0, out_row0, 1'b0} : {4'd0, out_row0};
  wire [11:0] last_out = {4'd0, out_row0} + {4'd0, out_rows} - 12'd1;
  wire [11:0] bot_row  = ((st == 2'd2) ? {last_out[10:0], 1'b0} : last_out) + pad;
  wire [11:0] rd_lo    = is_gap ? 12'd0 : ((top_row > pad) ? top_row - pad : 12'd0);
  wire [11:0] rd_hi    = (is_gap || bot_row >= {4'd0, in_h}) ? {4'd0, in_h} - 12'd1 : bot_row;
  wire [31:0] in_wb    = ({24'd0, in_w} + (R - 1)) >> LgR;
  wire [31:0] in_rows  = {20'd0, rd_hi} - {24'd0, in_row0};
  wire [31:0] in_last  = {8'd0, w1[23:0]} +
                         ((({12'd0, irows_q} * {24'd0, in_cv} + {16'd0, nv_in} - 32'd1) << LgR) +
                          {24'd0, in_w_m1 & RMask});
  wire [31:0] gk2_d    = {24'd0, groups} * k2;
  wire [31:0] orows_d  = {24'd0, out_rows - 8'd1} * owb + {24'd0, ow_m1 >> LgR};
  wire [31:0] irows_d  = in_rows * in_wb + {24'd0, in_w_m1 >> LgR};
  wire        rows_none = (in_h == 8'd0) || (in_w == 8'd0) || (nv_in == 16'd0) ||
                          (!is_gap && (out_rows == 8'd0)) || (rd_lo > rd_hi);
  wire        in_bad   = !rows_none && ((rd_lo < {4'd0, in_row0}) || (in_last >= ActVectors));
  wire        out_bad  = !out_none && (out_last >= ActVectors);
  // CONV reduces IN_VECTORS of each tap's IN_CV vectors (the rest are channel padding).
  wire        iv_bad   = is_conv && (in_vec > in_cv);
  wire        win_bad  = !k_ok || !s_ok || !al_ok || iv_bad || in_bad || out_bad || (e_end > EpiEntries) ||
                         (!is_gap && (w_end > WmemWords));

  // ADD.
  wire [31:0] add_n = {8'd0, w4[23:0]};
  wire [5:0]  add_s = w7[5:0];
  // ADD works on blocks of R vectors: its three addresses are multiples of R.
  wire        add_bad = (w1[LgR-1:0] != {LgR{1'b0}}) || (w2[LgR-1:0] != {LgR{1'b0}}) ||
                        (w3[LgR-1:0] != {LgR{1'b0}}) ||
                        ({8'd0, w1[23:0]} + add_n > ActVectors) ||
                        ({8'd0, w2[23:0]} + add_n > ActVectors) ||
                        ({8'd0, w3[23:0]} + add_n > ActVectors) ||
                        (add_s == 6'd0) || (add_s == 6'd63);

  ////////////////////
  // Dispatch       //
  ////////////////////

  wire [$clog2(QueueDepth):0] dq_cnt;
  wire [$clog2(QueueDepth):0] kq_cnt;
  wire                        dq_full;
  wire                        kq_full;
  wire [255:0]                dq_head;
  wire [255:0]                kq_head;

  wire head_ok  = busy_q && !err_q && !end_q && !derr_q && (cq_cnt != 0) && chk_q;
  wire bad_op   = head_ok && !is_end && !is_dma && !is_win && !is_add;
  wire bad_cmd  = head_ok && ((is_dma && dma_bad) || (is_win && win_bad) || (is_add && add_bad));
  wire dq_push  = head_ok && is_dma && !dma_bad && !dq_full;
  wire kq_push  = head_ok && ((is_win && !win_bad) || (is_add && !add_bad)) && !kq_full;
  wire end_take = head_ok && is_end;
  assign cq_pop = dq_push || kq_push || end_take;
  wire no_end   = busy_q && !err_q && !end_q && !ferr_q && !derr_q && !noend_q &&
                  (fetched_q == limit_q) && (cq_cnt == 0) &&
                  (finfl_q == 3'd0) && !arv_q;

  always @(posedge clk_i) begin
    if (!rst_ni || start || cq_pop) begin
      chk_q <= 1'b0;
    end else if (cq_cnt != 0) begin
      chk_q <= 1'b1;
    end
    gk2_q   <= gk2_d[15:0];
    dst_span_q <= {16'd0, rows_m1} * {16'd0, w6[23:0]};
    src_span_q <= {16'd0, rows_m1} * {16'd0, pb_stride};
    orows_q <= orows_d[15:0];
    irows_q <= irows_d[19:0];
  end

  wire dq_go = (dq_cnt != 0) && !err_q && (dq_head[31:8] <= comp_cnt_q);
  wire kq_go = (kq_cnt != 0) && !err_q && (kq_head[31:8] <= dma_cnt_q);
  wire dq_pop = dq_go && dma_ready_i;
  wire kq_pop = kq_go && comp_ready_i;

  sushi_fifo #(
    .Width (256),
    .Depth (QueueDepth)
  ) u_dq (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .clear_i     (start || err_q),
    .push_i      (dq_push),
    .push_data_i (cq_head),
    .pop_i       (dq_pop),
    .head_o      (dq_head),
    .count_o     (dq_cnt),
    .full_o      (dq_full)
  );

  sushi_fifo #(
    .Width (256),
    .Depth (QueueDepth)
  ) u_kq (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .clear_i     (start || err_q),
    .push_i      (kq_push),
    .push_data_i (cq_head),
    .pop_i       (kq_pop),
    .head_o      (kq_head),
    .count_o     (kq_cnt),
    .full_o      (kq_full)
  );

  assign dma_valid_o  = dq_go;
  assign dma_cmd_o    = dq_head;
  assign comp_valid_o = kq_go;
  assign comp_cmd_o   = kq_head;
  assign dma_wait_o   = busy_q && (dq_cnt != 0) && !err_q && dma_ready_i && !dq_go;
  assign comp_wait_o  = busy_q && (kq_cnt != 0) && !err_q && comp_ready_i && !kq_go;

  ////////////////////
  // Completion     //
  ////////////////////

  wire quiet  = dma_ready_i && comp_ready_i && (dq_cnt == 0) && (kq_cnt == 0) &&
                (finfl_q == 3'd0) && !arv_q;
  // Command errors (bad opcode or fields, no END, a failed fetch) stop dispatching; the job
  // ends when the commands already dispatched have completed, as if the stream ended there.
  // AXI errors of the DMA engine abort at once (err_q).
  wire soft_stop = derr_q || noend_q || ((ferr_q || fwin_q) && (cq_cnt == 0));
  wire finish = busy_q && quiet && (end_q || err_q || soft_stop);

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      busy_q      <= 1'b0;
      err_q       <= 1'b0;
      err_code_q  <= ERR_NONE;
      end_q       <= 1'b0;
      ferr_q      <= 1'b0;
      fwin_q      <= 1'b0;
      derr_q      <= 1'b0;
      derr_code_q <= ERR_NONE;
      noend_q     <= 1'b0;
    end else if (start) begin
      busy_q      <= 1'b1;
      err_q       <= 1'b0;
      err_code_q  <= ERR_NONE;
      end_q       <= 1'b0;
      ferr_q      <= 1'b0;
      fwin_q      <= 1'b0;
      derr_q      <= 1'b0;
      derr_code_q <= ERR_NONE;
      noend_q     <= 1'b0;
    end else begin
      if (finish) begin
        busy_q <= 1'b0;
      end
      if (end_take) begin
        end_q <= 1'b1;
      end
      if (busy_q && r_bad) begin
        ferr_q <= 1'b1;
      end
      if (fetch_viol) begin
        fwin_q <= 1'b1;
      end
      if (busy_q && !derr_q && (bad_op || bad_cmd)) begin
        derr_q      <= 1'b1;
        derr_code_q <= bad_op ? ERR_BAD_OPCODE :
                     (is_dma && !rows_bad && !al_bad && pb_over) ? ERR_PB_OVERFLOW : ERR_BAD_COMMAND;
      end
      if (no_end) begin
        noend_q <= 1'b1;
      end
      if (busy_q && !err_q && dma_err_i) begin
        err_q      <= 1'b1;
        err_code_q <= dma_err_code_i;
      end else if (busy_q && !err_q && abort_i) begin
        err_q      <= 1'b1;
        err_code_q <= ERR_ABORTED;
      end
    end
  end

  // The reported error: an AXI error of a dispatched command comes first in stream order,
  // then a bad command at the head, then a failed fetch of a later command, then no END.
  // A failed fetch after a dispatched END is ignored (the fetcher prefetches past END).
  // A fetch refused by the window is reported like a failed fetch (after the earlier errors).
  wire       ferr_use = ferr_q && !end_q;
  wire       fwin_use = fwin_q && !end_q;
  wire       any_err  = err_q || derr_q || ferr_use || fwin_use || noend_q;
  wire [3:0] any_code = err_q ? err_code_q : derr_q ? derr_code_q :
                        ferr_use ? ERR_AXI_READ : fwin_use ? ERR_DMA_WINDOW :
                        noend_q ? ERR_NO_END : ERR_NONE;

  always @(posedge clk_i) begin
    if (start) begin
      limit_q    <= limit_i;
      fetched_q  <= 32'd0;
      dma_cnt_q  <= 24'd0;
      comp_cnt_q <= 24'd0;
    end else begin
      if (ar_hs) begin
        fetched_q <= fetched_q + 32'd1;
      end
      if (dma_done_i) begin
        dma_cnt_q <= dma_cnt_q + 24'd1;
      end
      if (comp_done_i) begin
        comp_cnt_q <= comp_cnt_q + 24'd1;
      end
    end
  end

  assign busy_o     = busy_q;
  assign done_o     = finish;
  assign err_o      = any_err;
  assign err_code_o = any_code;
  assign abort_o    = err_q;

  wire unused_ok = &{1'b0, cq_full, w5[31:24], in_wb[31:8], last_out[11], gk2_d, orows_d, irows_d,
                     w6[31:16], w7[31:24], w1[31:30], base_i, k2[31:8], owb[31:8], nb[31:8], LgC};

endmodule

`default_nettype wire
