// SPDX-License-Identifier: Apache-2.0
//
// sushi_compute: the compute engine (CONV, DWCONV, GAP, ADD) with its MAC array and epilogue.
//
// Contract:
// - cmd_valid_i/cmd_ready_o: a command (32 bytes, sushi_cmds.vh WIN or ADD format, already
//   checked by sushi_cmd_seq) is accepted when both are high; cmd_ready_o is high exactly while
//   the engine is idle. done_o pulses in the last busy cycle of each command, after its last
//   ACT write. abort_i stops the engine at once (no bus traffic is involved).
// - Memories: ACT port A (one word address per bank, read every cycle, data one cycle later),
//   ACT port B writes (act_b_*; sushi_top gives them priority over the DMA engine), WMEM
//   read (w_addr_o, data one cycle later), EPI read (epi_addr_o, data one cycle later).
// - Window commands (CONV, DWCONV, GAP) run a loop nest (rtl/README.md) of one array step per
//   cycle through a fixed pipeline: S1 step, S2 addresses, S3 memory data, S4 operands,
//   S5 products, S6 accumulate. The last step of an output position (CONV position, DWCONV
//   block of R positions, GAP channel vector) snapshots the accumulators into the epilogue
//   (E1 row sum + bias, E2 partial products of acc*m, E3 their sum + 2^(s-1), E4 shift and
//   clamp) and the writer, so the next position accumulates meanwhile. The last step of a
//   position issues at least Pmin cycles after the previous one (CONV R/C, DWCONV C, GAP 1):
//   the epilogue never stalls the array. Epilogue parameters of group n (CONV output group,
//   DWCONV/GAP channel vector) are loaded from EPI into lane-register bank n mod 2 while
//   group n-1 runs; a position's last step waits until its group's bank is loaded.
// - DWCONV on a narrow map (IN_W <= R, OW <= R/2) is folded: both halves of the rows do the
//   OW positions, the upper half with the second tap of a run of up to two ring-order taps in
//   one input row and one weight word; the epilogue adds a position's two cells before the bias.
// - ADD works in blocks of R vectors (one word of every bank: the three addresses are
//   multiples of R, checked by sushi_cmd_seq). A block reads A, then B, on port A; its C
//   columns then go through the R epilogue lanes (lane r: vector r of the block), which
//   compute MA*a + MB*b + 2^(SHIFT-1), shift and clamp; the writer stores the block's vectors
//   inside VECTORS on port B in one cycle. A block starts every C+1 cycles.
// - macs_inc_o: MACs of the step in S1 (CONV: R*C if the tap is inside the input; DWCONV: C
//   per cell whose output and input positions are real; GAP, ADD: 0).

`default_nettype none

module sushi_compute #(
  // MAC array rows R
  parameter integer ArrayRows = 16,
  // MAC array columns C
  parameter integer ArrayCols = 8,
  // Address width of one ACT bank
  parameter integer BankAW = 10,
  // Address width of WMEM/PB words (the larger of the two)
  parameter integer WAW = 11,
  // Address width of EPI entries
  parameter integer EpiAW = 10,
  // Width of macs_inc_o
  parameter integer MacsIncBits = 16
) (
  input  wire                     clk_i,
  input  wire                     rst_ni,
  input  wire                     abort_i,
  input  wire                     cmd_valid_i,
  output wire                     cmd_ready_o,
  input  wire [255:0]             cmd_i,
  output wire                     done_o,
  output wire                     busy_o,
  // ACT port A (reads)
  output reg  [ArrayRows*BankAW-1:0]      act_a_addr_o,
  input  wire [ArrayRows*ArrayCols*8-1:0] act_a_rdata_i,
  // ACT port B (writes)
  output reg  [ArrayRows-1:0]             act_b_we_o,
  output reg  [ArrayRows*BankAW-1:0]      act_b_addr_o,
  output reg  [ArrayRows*ArrayCols*8-1:0] act_b_wdata_o,
  // WMEM reads
  output wire [WAW-1:0]                   w_addr_o,
  input  wire [ArrayRows*ArrayCols*8-1:0] wmem_rdata_i,
  // EPI reads
  output wire [EpiAW-1:0]                 epi_addr_o,
  input  wire [69:0]                      epi_rdata_i,
  // MACS counter increment
  output wire [MacsIncBits-1:0]           macs_inc_o
);

  /* verilator lint_off UNUSEDPARAM */
  `include "sushi_cmds.vh"
  /* verilator lint_on UNUSEDPARAM */

  localparam integer R = ArrayRows;
  localparam integer C = ArrayCols;
  localparam integer LgR = $clog2(R);
  localparam integer LgC = $clog2(C);
  localparam integer RC = R / C;
  localparam integer RCBits = $clog2(RC) + 1;
  localparam integer RM1Int = R - 1;
  localparam [8:0]   RM1 = RM1Int[8:0];
  localparam integer PminConv = RC - 1;
  localparam integer PminDw = C - 1;
  localparam integer HalfRInt = R / 2;
  localparam [7:0]   HalfR = HalfRInt[7:0];
  localparam integer LgHalfR = (R >= 2) ? LgR - 1 : 0;

  localparam [1:0] MConv = 2'd0;
  localparam [1:0] MDw   = 2'd1;
  localparam [1:0] MGap  = 2'd2;
  localparam [1:0] MAdd  = 2'd3;

  localparam [2:0] SIdle  = 3'd0;
  localparam [2:0] SSetup = 3'd1;
  localparam [2:0] SCheck = 3'd2;
  localparam [2:0] SRun   = 3'd3;
  localparam [2:0] SFlush = 3'd4;
  localparam [2:0] SAdd   = 3'd5;

  // Ring-order tap ROM (layout::ring_taps): {dy, dx} as two 4-bit two's complement numbers.
  function [7:0] tap_rom;
    input [5:0] t;
    begin
      case (t)
      6'd0: tap_rom = 8'h00; // dy 0, dx 0
      6'd1: tap_rom = 8'hff; // dy -1, dx -1
      6'd2: tap_rom = 8'hf0; // dy -1, dx 0
      6'd3: tap_rom = 8'hf1; // dy -1, dx 1
      6'd4: tap_rom = 8'h0f; // dy 0, dx -1
      6'd5: tap_rom = 8'h01; // dy 0, dx 1
      6'd6: tap_rom = 8'h1f; // dy 1, dx -1
      6'd7: tap_rom = 8'h10; // dy 1, dx 0
      6'd8: tap_rom = 8'h11; // dy 1, dx 1
      6'd9: tap_rom = 8'hee; // dy -2, dx -2
      6'd10: tap_rom = 8'hef; // dy -2, dx -1
      6'd11: tap_rom = 8'he0; // dy -2, dx 0
      6'd12: tap_rom = 8'he1; // dy -2, dx 1
      6'd13: tap_rom = 8'he2; // dy -2, dx 2
      6'd14: tap_rom = 8'hfe; // dy -1, dx -2
      6'd15: tap_rom = 8'hf2; // dy -1, dx 2
      6'd16: tap_rom = 8'h0e; // dy 0, dx -2
      6'd17: tap_rom = 8'h02; // dy 0, dx 2
      6'd18: tap_rom = 8'h1e; // dy 1, dx -2
      6'd19: tap_rom = 8'h12; // dy 1, dx 2
      6'd20: tap_rom = 8'h2e; // dy 2, dx -2
      6'd21: tap_rom = 8'h2f; // dy 2, dx -1
      6'd22: tap_rom = 8'h20; // dy 2, dx 0
      6'd23: tap_rom = 8'h21; // dy 2, dx 1
      6'd24: tap_rom = 8'h22; // dy 2, dx 2
      6'd25: tap_rom = 8'hdd; // dy -3, dx -3
      6'd26: tap_rom = 8'hde; // dy -3, dx -2
      6'd27: tap_rom = 8'hdf; // dy -3, dx -1
      6'd28: tap_rom = 8'hd0; // dy -3, dx 0
      6'd29: tap_rom = 8'hd1; // dy -3, dx 1
      6'd30: tap_rom = 8'hd2; // dy -3, dx 2
      6'd31: tap_rom = 8'hd3; // dy -3, dx 3
      6'd32: tap_rom = 8'hed; // dy -2, dx -3
      6'd33: tap_rom = 8'he3; // dy -2, dx 3
      6'd34: tap_rom = 8'hfd; // dy -1, dx -3
      6'd35: tap_rom = 8'hf3; // dy -1, dx 3
      6'd36: tap_rom = 8'h0d; // dy 0, dx -3
      6'd37: tap_rom = 8'h03; // dy 0, dx 3
      6'd38: tap_rom = 8'h1d; // dy 1, dx -3
      6'd39: tap_rom = 8'h13; // dy 1, dx 3
      6'd40: tap_rom = 8'h2d; // dy 2, dx -3
      6'd41: tap_rom = 8'h23; // dy 2, dx 3
      6'd42: tap_rom = 8'h3d; // dy 3, dx -3
      6'd43: tap_rom = 8'h3e; // dy 3, dx -2
      6'd44: tap_rom = 8'h3f; // dy 3, dx -1
      6'd45: tap_rom = 8'h30; // dy 3, dx 0
      6'd46: tap_rom = 8'h31; // dy 3, dx 1
      6'd47: tap_rom = 8'h32; // dy 3, dx 2
      6'd48: tap_rom = 8'h33; // dy 3, dx 3
        default: tap_rom = 8'h00;
      endcase
    end
  endfunction

  ////////////////////
  // Command        //
  ////////////////////

  reg  [2:0]  st_q;
  reg  [1:0]  mode_q;
  reg  [23:0] in_word_q;
  reg  [3:0]  k_q;
  reg         s2_q;
  reg  [7:0]  in_h_q;
  reg  [7:0]  in_w_q;
  reg  [7:0]  in_cv_q;
  reg  [7:0]  in_row0_q;
  reg  [23:0] out_word_q;
  reg  [7:0]  out_cv_q;
  reg  [7:0]  out_row0_q;
  reg  [7:0]  out_rows_q;
  reg  [7:0]  groups_q;
  reg  [7:0]  in_vec_q;
  reg  [23:0] w_addr_q;
  reg  [15:0] epi_addr_q;
  reg  [7:0]  lo_q;
  reg  [7:0]  hi_q;
  reg  [23:0] add_a_q;
  reg  [23:0] add_b_q;
  reg  [23:0] add_o_q;
  reg  [31:0] add_ma_q;
  reg  [31:0] add_mb_q;
  reg  [5:0]  add_s_q;

  wire [7:0]  c_op = cmd_i[7:0];
  wire        accept = cmd_valid_i && (st_q == SIdle);
  wire        is_add_cmd = (c_op == OP_ADD);
  wire        is_add = (mode_q == MAdd);

  always @(posedge clk_i) begin
    if (accept) begin
      mode_q     <= (c_op == OP_CONV) ? MConv : (c_op == OP_DWCONV) ? MDw :
                    (c_op == OP_GAP) ? MGap : MAdd;
      in_word_q  <= {{LgR{1'b0}}, cmd_i[32*1 + LgR +: 24 - LgR]};
      k_q        <= cmd_i[32*1 + 24 +: 4];
      s2_q       <= cmd_i[32*1 + 28 +: 2] == 2'd2;
      in_h_q     <= cmd_i[32*2 +: 8];
      in_w_q     <= cmd_i[32*2 + 8 +: 8];
      in_cv_q    <= cmd_i[32*2 + 16 +: 8];
      in_row0_q  <= cmd_i[32*2 + 24 +: 8];
      out_word_q <= {{LgR{1'b0}}, cmd_i[32*3 + LgR +: 24 - LgR]};
      out_cv_q   <= cmd_i[32*3 + 24 +: 8];
      out_row0_q <= cmd_i[32*4 +: 8];
      out_rows_q <= cmd_i[32*4 + 8 +: 8];
      groups_q   <= cmd_i[32*4 + 16 +: 8];
      in_vec_q   <= cmd_i[32*4 + 24 +: 8];
      w_addr_q   <= cmd_i[32*5 +: 24];
      epi_addr_q <= cmd_i[32*6 +: 16];
      lo_q       <= is_add_cmd ? cmd_i[32*7 + 8 +: 8] : cmd_i[32*7 +: 8];
      hi_q       <= is_add_cmd ? cmd_i[32*7 + 16 +: 8] : cmd_i[32*7 + 8 +: 8];
      add_a_q    <= cmd_i[32*1 +: 24];
      add_b_q    <= cmd_i[32*2 +: 24];
      add_o_q    <= cmd_i[32*3 +: 24];
      add_ma_q   <= cmd_i[32*5 +: 32];
      add_mb_q   <= cmd_i[32*6 +: 32];
      add_s_q    <= cmd_i[32*7 +: 6];
    end
  end

  ////////////////////
  // Derived sizes  //
  ////////////////////

  reg  [7:0]  ow_q;         // output width
  reg  [15:0] row_words_q;  // in-bank words per input row: ceil(IN_W/R) * IN_CV
  reg  [15:0] orow_words_q; // in-bank words per output row: ceil(OW/R) * OUT_CV
  reg  [3:0]  nb_q;         // DWCONV weight words per channel vector
  reg  [7:0]  lim0_q;
  reg  [7:0]  lim1_q;
  reg  [7:0]  lim2_q;
  reg  [5:0]  lim3_q;
  reg  [7:0]  lim4_q;
  reg  [5:0]  pmin_q;       // minimum cycles between last steps, minus one
  reg  [7:0]  vskip_q;      // CONV: weight words of a tap skipped after its IN_VECTORS
  reg         fold_q;       // DWCONV folded: each half of the rows takes a tap of the step

  wire [5:0]  d_t   = {2'd0, k_q} * {2'd0, k_q};
  wire [7:0]  d_ow  = s2_q ? ({1'b0, in_w_q[7:1]} + {7'd0, in_w_q[0]}) : in_w_q;
  wire [8:0]  d_owb9 = ({1'b0, d_ow} + RM1) >> LgR;
  wire [7:0]  d_owb = d_owb9[7:0];
  wire [6:0]  d_nb  = ({1'b0, d_t} + RM1[6:0]) >> LgR;
  wire [8:0]  d_wb9 = ({1'b0, in_w_q} + RM1) >> LgR;

  always @(posedge clk_i) begin
    if (st_q == SSetup) begin
      ow_q         <= d_ow;
      row_words_q  <= d_wb9[7:0] * in_cv_q;
      orow_words_q <= d_owb * out_cv_q;
      nb_q         <= d_nb[3:0];
      vskip_q      <= in_cv_q - in_vec_q;
      // Folding needs every input row in one word per bank (IN_W <= R: one step reads a whole
      // row) and outputs that leave at least half of the R positions idle.
      fold_q       <= (mode_q == MDw) && (d_wb9 == 9'd1) && (d_ow <= HalfR);
      case (mode_q)
        MConv: begin
          lim0_q <= groups_q; lim1_q <= out_rows_q; lim2_q <= d_ow; lim3_q <= d_t;
          lim4_q <= in_vec_q; pmin_q <= PminConv[5:0];
        end
        MDw: begin
          lim0_q <= groups_q; lim1_q <= out_rows_q; lim2_q <= d_owb; lim3_q <= d_t;
          // Stride 2 takes a second phase only when outputs reach the upper half of a block.
          lim4_q <= (s2_q && (d_ow > HalfR)) ? 8'd2 : 8'd1; pmin_q <= PminDw[5:0];
        end
        default: begin
          lim0_q <= groups_q; lim1_q <= in_h_q; lim2_q <= in_w_q; lim3_q <= 6'd1;
          lim4_q <= 8'd1;    pmin_q <= 6'd0;
        end
      endcase
    end
  end

  ////////////////////
  // Loop counters  //
  ////////////////////

  reg  [7:0]  l0_q;
  reg  [7:0]  l1_q;
  reg  [7:0]  l2_q;
  reg  [5:0]  l3_q;
  reg  [7:0]  l4_q;
  reg  [23:0] wptr_q;    // CONV: weight word of this step
  reg  [23:0] wgrp_q;    // CONV: first word of the group; DWCONV: of the channel vector
  reg  [5:0]  thr_q;     // cycles left before another last step may issue
  reg  [15:0] infl0_q;   // positions of bank-0 groups whose last step issued, not yet written
  reg  [15:0] infl1_q;   // the same for bank-1 groups
  reg  [8:0]  pl_grp_q;  // parameter loader: groups loaded (next group to load)
  reg         pl_busy_q; // parameter loader: loading group pl_grp_q
  reg  [6:0]  pcnt_q;    // parameter loader: EPI reads issued
  reg         prd_q;     // an EPI read was issued last cycle
  reg  [6:0]  pidx_q;    // its entry index
  reg         pbank_q;   // its parameter bank

  wire e4 = (l4_q == lim4_q - 8'd1);
  wire [5:0] l3_step;  // taps of the step: 1, or a folded DWCONV's run (declared with S1)
  wire e3 = (l3_q + l3_step == lim3_q);
  wire e2 = (l2_q == lim2_q - 8'd1);
  wire e1 = (l1_q == lim1_q - 8'd1);
  wire e0 = (l0_q == lim0_q - 8'd1);
  wire step_first = (mode_q == MGap) ? ((l1_q == 8'd0) && (l2_q == 8'd0)) :
                                       ((l3_q == 6'd0) && (l4_q == 8'd0));
  wire step_last  = (mode_q == MGap) ? (e1 && e2) : (e3 && e4);
  wire grp_end    = e1 && e2 && e3 && e4;
  // A group's parameters are in bank (group mod 2); the loader loads groups in order, at most
  // one ahead of the generator, into a bank whose previous group has been written out.
  // Only a position's last step waits for the parameters: the epilogue reads them at least
  // five cycles after that step issues.
  wire grp_ready  = ({1'b0, l0_q} < pl_grp_q);
  wire run_issue  = (st_q == SRun) && !(step_last && ((thr_q != 6'd0) || !grp_ready));
  wire lims_zero  = (lim0_q == 8'd0) || (lim1_q == 8'd0) || (lim2_q == 8'd0) ||
                    (lim3_q == 6'd0) || (lim4_q == 8'd0);

  // Parameters: CONV loads R entries per group, DWCONV and GAP C entries per vector.
  wire [6:0]  pnum = (mode_q == MConv) ? R[6:0] : C[6:0];
  wire [23:0] pbase = (mode_q == MConv) ? ({8'd0, epi_addr_q} + ({15'd0, pl_grp_q} << LgR)) :
                                          ({8'd0, epi_addr_q} + ({15'd0, pl_grp_q} << LgC));
  wire [23:0] paddr = pbase + {17'd0, pcnt_q};
  wire        pl_bank = pl_grp_q[0];
  wire        pl_start = (st_q == SRun) && !pl_busy_q && (pl_grp_q < {1'b0, lim0_q}) &&
                         ((pl_grp_q == {1'b0, l0_q}) || (pl_grp_q == {1'b0, l0_q} + 9'd1)) &&
                         ((pl_bank ? infl1_q : infl0_q) == 16'd0);
  wire        p_issue = pl_busy_q && (pcnt_q != pnum);
  wire        pl_fin = pl_busy_q && (pcnt_q == pnum) && !prd_q;
  assign epi_addr_o = paddr[EpiAW-1:0];

  // Parameter banks: entry {bank, index} holds {s, m, bias} (70 bits). Plain registers (not
  // a memory): the R epilogue lanes read them in parallel.
  reg  [70*2*R-1:0] par_q;

  genvar gp;
  generate
    for (gp = 0; gp < 2 * R; gp = gp + 1) begin : g_par
      always @(posedge clk_i) begin
        if (prd_q && ({pbank_q, pidx_q[LgR-1:0]} == gp[LgR:0])) begin
          par_q[70*gp +: 70] <= epi_rdata_i;
        end
      end
    end
  endgenerate

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i || (st_q == SSetup)) begin
      pl_grp_q  <= 9'd0;
      pl_busy_q <= 1'b0;
      pcnt_q    <= 7'd0;
      prd_q     <= 1'b0;
    end else begin
      prd_q   <= p_issue;
      pidx_q  <= pcnt_q;
      pbank_q <= pl_bank;
      if (pl_start) begin
        pl_busy_q <= 1'b1;
        pcnt_q    <= 7'd0;
      end else if (pl_fin) begin
        pl_busy_q <= 1'b0;
        pl_grp_q  <= pl_grp_q + 9'd1;
      end else if (p_issue) begin
        pcnt_q <= pcnt_q + 7'd1;
      end
    end
  end

  wire pos_done;   // the writer finished a position this cycle
  reg  wr_bank_q;  // parameter bank of the position being written
  wire add_idle;   // ADD: everything issued and written

  // ADD blocks (section ADD below).
  reg  [23:0]       add_blk_q;   // block being read (blocks of R vectors)
  reg  [23:0]       add_nblk_q;  // blocks of the command: ceil(VECTORS / R)
  reg  [LgC:0]      add_ph_q;    // cycle of the block's period, 0..C
  reg               ar_a_q;      // port A data of the block's A word arrives
  reg               ar_b_q;      // port A data of its B word arrives: the columns start
  reg  [R*C*8-1:0]  add_av_q;    // the A block (bank r: vector r)
  reg  [R*C*8-1:0]  add_bv_q;    // the B block
  reg  [23:0]       add_left_q;  // vectors of the command from this block on
  reg  [BankAW-1:0] add_ow_q;    // output word of the block in the epilogue
  reg  [R-1:0]      add_mask_q;  // its vectors inside VECTORS
  wire              add_start = ar_b_q;

  wire pos_add0 = run_issue && step_last && !l0_q[0];
  wire pos_add1 = run_issue && step_last && l0_q[0];
  wire pos_sub0 = pos_done && !wr_bank_q && (mode_q != MAdd);
  wire pos_sub1 = pos_done && wr_bank_q && (mode_q != MAdd);
  wire pos_none = (infl0_q == 16'd0) && (infl1_q == 16'd0);

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      st_q    <= SIdle;
      infl0_q <= 16'd0;
      infl1_q <= 16'd0;
      thr_q   <= 6'd0;
    end else begin
      if (pos_add0 && !pos_sub0) begin
        infl0_q <= infl0_q + 16'd1;
      end else if (!pos_add0 && pos_sub0) begin
        infl0_q <= infl0_q - 16'd1;
      end
      if (pos_add1 && !pos_sub1) begin
        infl1_q <= infl1_q + 16'd1;
      end else if (!pos_add1 && pos_sub1) begin
        infl1_q <= infl1_q - 16'd1;
      end
      if (run_issue && step_last) begin
        thr_q <= pmin_q;
      end else if (thr_q != 6'd0) begin
        thr_q <= thr_q - 6'd1;
      end
      case (st_q)
        SIdle: begin
          if (accept) begin
            st_q <= is_add_cmd ? SAdd : SSetup;
          end
        end
        SSetup: begin
          st_q <= SCheck;
        end
        SCheck: begin
          st_q <= lims_zero ? SFlush : SRun;
        end
        SRun: begin
          if (run_issue && grp_end && e0) begin
            st_q <= SFlush;
          end
        end
        SFlush: begin
          if (pos_none) begin
            st_q <= SIdle;
          end
        end
        SAdd: begin
          if (add_idle) begin
            st_q <= SIdle;
          end
        end
        default: st_q <= SIdle;
      endcase
    end
  end

  always @(posedge clk_i) begin
    if (st_q == SSetup) begin
      l0_q <= 8'd0; l1_q <= 8'd0; l2_q <= 8'd0; l3_q <= 6'd0; l4_q <= 8'd0;
      wptr_q <= w_addr_q;
      wgrp_q <= w_addr_q;
    end else begin
      if (run_issue) begin
        l4_q <= e4 ? 8'd0 : l4_q + 8'd1;
        if (e4) begin
          l3_q <= e3 ? 6'd0 : l3_q + l3_step;
          if (e3) begin
            l2_q <= e2 ? 8'd0 : l2_q + 8'd1;
            if (e2) begin
              l1_q <= e1 ? 8'd0 : l1_q + 8'd1;
              if (e1) begin
                l0_q <= l0_q + 8'd1;
              end
            end
          end
        end
        if (mode_q == MConv) begin
          // Weights are (group, tap, IN_CV vectors); a tap's last vector steps over the
          // padding vectors it does not reduce.
          if (step_last && !grp_end) begin
            wptr_q <= wgrp_q;
          end else if (e4) begin
            wptr_q <= wptr_q + 24'd1 + {16'd0, vskip_q};
          end else begin
            wptr_q <= wptr_q + 24'd1;
          end
          if (grp_end) begin
            wgrp_q <= wptr_q + 24'd1 + {16'd0, vskip_q};
          end
        end else if (grp_end) begin
          wgrp_q <= wgrp_q + {20'd0, nb_q};
        end
      end
    end
  end

  ////////////////////
  // S1: step       //
  ////////////////////

  wire [7:0]         tap = tap_rom(l3_q);

  // Folded DWCONV: the upper half of the rows takes tap l3 + 1 when it continues a run: the
  // same row dy (one input row is read) and the same weight word (t / R).
  wire [5:0] ft1 = l3_q + 6'd1;
  wire [7:0] ftap1 = tap_rom(ft1);
  wire       fok1 = (ft1 < lim3_q) && (ftap1[7:4] == tap[7:4]) && ((ft1 >> LgR) == (l3_q >> LgR));
  assign l3_step = (fold_q && fok1) ? 6'd2 : 6'd1;
  wire signed [12:0] dy = {{9{tap[7]}}, tap[7:4]};
  wire signed [12:0] dx = {{9{tap[3]}}, tap[3:0]};
  wire [8:0]         oy = {1'b0, out_row0_q} + {1'b0, l1_q};
  wire signed [12:0] iy = (mode_q == MGap) ? $signed({5'd0, l1_q}) :
                          ($signed({3'd0, oy, 1'b0} >> (s2_q ? 0 : 1)) + dy);
  wire signed [12:0] rowoff = iy - $signed({5'd0, in_row0_q});
  wire               iy_ok = (iy >= 0) && (iy < $signed({5'd0, in_h_q}));
  wire [12:0]        xblk = {5'd0, l2_q} << LgR;  // DWCONV: first output position of the block
  reg  signed [12:0] xs;
  always @* begin
    case (mode_q)
      MGap:    xs = $signed({5'd0, l2_q});
      // (Folded: every bank reads x-word 0; rows pick their own positions.)
      MDw:     xs = fold_q ? 13'sd0 :
                    $signed(s2_q ? ((xblk << 1) + ({12'd0, l4_q[0]} << LgR)) : xblk) + dx;
      default: xs = $signed({4'd0, l2_q, 1'b0} >> (s2_q ? 0 : 1)) + dx;
    endcase
  end
  wire               ix_ok = (xs >= 0) && (xs < $signed({5'd0, in_w_q}));

  reg  [R-1:0]       cellv;
  reg  [R-1:0]       omask;
  reg  [R*LgR-1:0]   fbank;   // folded DWCONV: the bank (input x) each row reads
  reg  signed [12:0] ixr;
  reg  [12:0]        oxr;
  reg                fup;     // folded: the row is in the upper half (second tap)
  reg  [7:0]         fx;      // folded: the row's output position
  reg  [3:0]         fdx_r;   // folded: dx of the row's tap
  reg  signed [7:0]  fix;     // folded: the row's input position (|dx| <= 3, x*s < R)
  integer            cr;
  always @* begin
    for (cr = 0; cr < R; cr = cr + 1) begin
      oxr = xblk + cr[12:0];
      omask[cr] = (oxr < {5'd0, ow_q});
      fup   = cr[LgHalfR];
      fx    = cr[7:0] & (HalfR - 8'd1);
      fdx_r = fup ? ftap1[3:0] : tap[3:0];
      fix   = $signed(s2_q ? {fx[6:0], 1'b0} : fx) + $signed({{4{fdx_r[3]}}, fdx_r});
      if (s2_q) begin
        ixr = xs + $signed({cr[11:0], 1'b0}) - $signed({12'd0, l4_q[0]} << LgR);
      end else begin
        ixr = xs + $signed(cr[12:0]);
      end
      fbank[LgR*cr +: LgR] = fold_q ? fix[LgR-1:0] : ixr[LgR-1:0];
      if (fold_q) begin
        // (Folded, IN_W <= R <= 64: IN_W fits the signed byte.)
        cellv[cr] = (!fup || fok1) && (fx < ow_q) && iy_ok && (fix >= 0) &&
                    (fix < $signed(in_w_q));
      end else if (mode_q == MDw) begin
        cellv[cr] = omask[cr] && iy_ok && (ixr >= 0) && (ixr < $signed({5'd0, in_w_q})) &&
                    (!s2_q || ((cr >> (LgR - 1)) == {31'd0, l4_q[0]}));
      end else begin
        cellv[cr] = iy_ok && ix_ok;
      end
    end
  end

  reg                s1_v;
  reg                s1_first;
  reg                s1_last;
  reg  signed [12:0] s1_rowoff;
  reg  signed [12:0] s1_xs;
  reg  [7:0]         s1_vin;
  reg  [R-1:0]       s1_cellv;
  reg  [R-1:0]       s1_omask;
  reg  [23:0]        s1_wa;
  reg  [LgR-1:0]     s1_wrow;
  reg  [R*LgR-1:0]   s1_fbank;
  reg  [7:0]         s1_l0;
  reg  [7:0]         s1_l1;
  reg  [7:0]         s1_l2;

  wire [5:0] l3_blk = l3_q >> LgR;

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      s1_v <= 1'b0;
    end else begin
      s1_v <= run_issue;
    end
    s1_first  <= step_first;
    s1_last   <= step_last;
    s1_rowoff <= rowoff;
    s1_xs     <= xs;
    s1_vin    <= (mode_q == MConv) ? l4_q : l0_q;
    s1_cellv  <= cellv;
    s1_omask  <= omask;
    s1_wa     <= (mode_q == MConv) ? wptr_q : (wgrp_q + {18'd0, l3_blk});
    s1_wrow   <= l3_q[LgR-1:0];
    s1_fbank  <= fbank;
    s1_l0     <= l0_q;
    s1_l1     <= l1_q;
    s1_l2     <= l2_q;
  end

  // MACs of the S1 step.
  localparam integer MacsRCInt = R * C;
  localparam integer MacsCInt = C;
  localparam [31:0] MacsRC = MacsRCInt[31:0];
  localparam [31:0] MacsC = MacsCInt[31:0];
  reg [MacsIncBits-1:0] macs;
  integer mi;
  always @* begin
    macs = {MacsIncBits{1'b0}};
    if (s1_v) begin
      if (mode_q == MConv) begin
        macs = s1_cellv[0] ? MacsRC[MacsIncBits-1:0] : {MacsIncBits{1'b0}};
      end else if (mode_q == MDw) begin
        for (mi = 0; mi < R; mi = mi + 1) begin
          macs = macs + (s1_cellv[mi] ? MacsC[MacsIncBits-1:0] : {MacsIncBits{1'b0}});
        end
      end
    end
  end
  assign macs_inc_o = macs;

  ////////////////////
  // S2: addresses  //
  ////////////////////

  wire signed [31:0] s1_xq = {{19{s1_xs[12]}}, s1_xs} >>> LgR;
  wire signed [31:0] w0_full = $signed({8'd0, in_word_q}) +
                               $signed({{19{s1_rowoff[12]}}, s1_rowoff}) * $signed({16'd0, row_words_q}) +
                               s1_xq * $signed({24'd0, in_cv_q}) + $signed({24'd0, s1_vin});
  wire [31:0] ow_conv = {8'd0, out_word_q} + {24'd0, s1_l1} * {16'd0, orow_words_q} +
                        ({24'd0, s1_l2} >> LgR) * {24'd0, out_cv_q} + {24'd0, s1_l0} * RC;
  wire [31:0] ow_dw   = {8'd0, out_word_q} + {24'd0, s1_l1} * {16'd0, orow_words_q} +
                        {24'd0, s1_l2} * {24'd0, out_cv_q} + {24'd0, s1_l0};
  wire [31:0] ow_gap  = {8'd0, out_word_q} + {24'd0, s1_l0};

  reg                s2_v;
  reg                s2_first;
  reg                s2_last;
  reg  [BankAW-1:0]  s2_w0;
  reg  [BankAW-1:0]  s2_w1;
  reg  [LgR-1:0]     s2_xr;
  reg  [WAW-1:0]     s2_wa;
  reg  [LgR-1:0]     s2_wrow;
  reg  [R*LgR-1:0]   s2_fbank;
  reg  [R-1:0]       s2_cellv;
  reg  [R-1:0]       s2_omask;
  reg  [BankAW-1:0]  s2_ow;
  reg  [LgR-1:0]     s2_ob;
  reg                s2_pb;   // parameter bank of the step's group

  wire [31:0] w1_full = w0_full + {24'd0, in_cv_q};

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      s2_v <= 1'b0;
    end else begin
      s2_v <= s1_v;
    end
    s2_first <= s1_first;
    s2_last  <= s1_last;
    s2_w0    <= w0_full[BankAW-1:0];
    s2_w1    <= w1_full[BankAW-1:0];
    s2_xr    <= s1_xs[LgR-1:0];
    s2_wa    <= s1_wa[WAW-1:0];
    s2_wrow  <= s1_wrow;
    s2_fbank <= s1_fbank;
    s2_cellv <= s1_cellv;
    s2_omask <= s1_omask;
    s2_ow    <= (mode_q == MConv) ? ow_conv[BankAW-1:0] :
                (mode_q == MDw) ? ow_dw[BankAW-1:0] : ow_gap[BankAW-1:0];
    s2_ob    <= (mode_q == MConv) ? s1_l2[LgR-1:0] : {LgR{1'b0}};
    s2_pb    <= s1_l0[0];
  end

  assign w_addr_o = s2_wa;

  // ADD reads (declared here: they share port A): word blk of A in phase 0, of B after.
  wire [23:0] add_rd_word = ((add_ph_q == {(LgC+1){1'b0}}) ? (add_a_q >> LgR) : (add_b_q >> LgR)) +
                            add_blk_q;

  integer ab;
  always @* begin
    for (ab = 0; ab < R; ab = ab + 1) begin
      if (mode_q == MAdd) begin
        act_a_addr_o[BankAW*ab +: BankAW] = add_rd_word[BankAW-1:0];
      end else begin
        act_a_addr_o[BankAW*ab +: BankAW] = (ab[LgR-1:0] < s2_xr) ? s2_w1 : s2_w0;
      end
    end
  end

  ////////////////////
  // S3: memory data //
  ////////////////////

  reg                s3_v;
  reg                s3_first;
  reg                s3_last;
  reg  [LgR-1:0]     s3_xr;
  reg  [LgR-1:0]     s3_wrow;
  reg  [R*LgR-1:0]   s3_fbank;
  reg  [R-1:0]       s3_cellv;
  reg  [R-1:0]       s3_omask;
  reg  [BankAW-1:0]  s3_ow;
  reg  [LgR-1:0]     s3_ob;
  reg                s3_pb;

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      s3_v <= 1'b0;
    end else begin
      s3_v <= s2_v;
    end
    s3_first <= s2_first;
    s3_last  <= s2_last;
    s3_xr    <= s2_xr;
    s3_wrow  <= s2_wrow;
    s3_fbank <= s2_fbank;
    s3_cellv <= s2_cellv;
    s3_omask <= s2_omask;
    s3_ow    <= s2_ow;
    s3_ob    <= s2_ob;
    s3_pb    <= s2_pb;
  end

  wire [R*C*8-1:0] wword = wmem_rdata_i;

  // Operands of every cell: row r takes the ACT vector of bank bsel (CONV, GAP: the one
  // bank read; DWCONV: the bank of its own input position) and a weight row (DWCONV: row
  // t mod R of its group's tap t, broadcast to the group; GAP: identity).
  wire [R*C*8-1:0] opx;
  wire [R*C*8-1:0] opw;
  // Variable selects are written as one-hot mux loops: Yosys 0.23 would build full-width
  // barrel shifters for part selects with a variable base.
  // DWCONV weight rows: wrow_f[0] is row t mod R, for the lower half of the rows; wrow_f[1]
  // the upper half's, row (t + 1) mod R when folded (the run's second tap), else the same row.
  // (Selecting per half, not per row, keeps a 2:1 multiplexer off every upper row.)
  reg  [2*C*8-1:0] wrow_f;
  reg  [LgR-1:0]   wrow_sel;
  integer wri;
  integer wrf;
  always @* begin
    wrow_f = {2*C*8{1'b0}};
    for (wrf = 0; wrf < 2; wrf = wrf + 1) begin
      wrow_sel = s3_wrow + ((fold_q && (wrf == 1)) ? {{(LgR-1){1'b0}}, 1'b1} : {LgR{1'b0}});
      for (wri = 0; wri < R; wri = wri + 1) begin
        if (wrow_sel == wri[LgR-1:0]) begin
          wrow_f[8*C*wrf +: 8*C] = wrow_f[8*C*wrf +: 8*C] | wword[8*C*wri +: 8*C];
        end
      end
    end
  end

  genvar gor;
  genvar goc;
  generate
    for (gor = 0; gor < R; gor = gor + 1) begin : g_op
      localparam integer Upper = gor / (R / 2);
      wire [LgR-1:0] bsel = (mode_q != MDw) ? s3_xr : s3_fbank[LgR*gor +: LgR];
      wire [C*8-1:0] wrow = wrow_f[8*C*Upper +: 8*C];
      reg  [C*8-1:0] xv;
      integer xbi;
      always @* begin
        xv = {C*8{1'b0}};
        for (xbi = 0; xbi < R; xbi = xbi + 1) begin
          if (bsel == xbi[LgR-1:0]) begin
            xv = xv | act_a_rdata_i[8*C*xbi +: 8*C];
          end
        end
      end
      assign opx[8*C*gor +: 8*C] = s3_cellv[gor] ? xv : {8*C{1'b0}};
      for (goc = 0; goc < C; goc = goc + 1) begin : g_opc
        assign opw[8*(C*gor+goc) +: 8] = (mode_q == MDw) ? wrow[8*goc +: 8] :
                                         (mode_q == MGap) ? ((gor == goc) ? 8'd1 : 8'd0) :
                                         wword[8*(C*gor+goc) +: 8];
      end
    end
  endgenerate

  ////////////////////
  // S4..S6: array  //
  ////////////////////

  reg               s4_v;
  reg               s4_first;
  reg               s4_last;
  reg [R*C*8-1:0]   s4_x;
  reg [R*C*8-1:0]   s4_w;
  reg [R-1:0]       s4_omask;
  reg [BankAW-1:0]  s4_ow;
  reg [LgR-1:0]     s4_ob;
  reg               s4_pb;
  reg               s5_v;
  reg               s5_first;
  reg               s5_last;
  reg [R*C*16-1:0]  s5_p;
  reg [R-1:0]       s5_omask;
  reg [BankAW-1:0]  s5_ow;
  reg [LgR-1:0]     s5_ob;
  reg               s5_pb;
  reg [R*C*32-1:0]  acc_q;
  reg [R*C*32-1:0]  snap_q;
  reg [R-1:0]       snap_omask;
  reg [BankAW-1:0]  snap_ow;
  reg [LgR-1:0]     snap_ob;
  reg               snap_pb;

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      s4_v <= 1'b0;
      s5_v <= 1'b0;
    end else begin
      s4_v <= s3_v;
      s5_v <= s4_v;
    end
    s4_first <= s3_first;
    s4_last  <= s3_last;
    s4_x     <= opx;
    s4_w     <= opw;
    s4_omask <= s3_omask;
    s4_ow    <= s3_ow;
    s4_ob    <= s3_ob;
    s4_pb    <= s3_pb;
    s5_first <= s4_first;
    s5_last  <= s4_last;
    s5_omask <= s4_omask;
    s5_ow    <= s4_ow;
    s5_ob    <= s4_ob;
    s5_pb    <= s4_pb;
  end

  wire snap_load = s5_v && s5_last;

  genvar gr;
  genvar gc;
  generate
    for (gr = 0; gr < R; gr = gr + 1) begin : g_row
      for (gc = 0; gc < C; gc = gc + 1) begin : g_col
        localparam integer I = C * gr + gc;
        wire signed [15:0] prod = $signed(s4_x[8*I +: 8]) * $signed(s4_w[8*I +: 8]);
        wire signed [31:0] sum = (s5_first ? 32'sd0 : $signed(acc_q[32*I +: 32])) +
                                 {{16{s5_p[16*I+15]}}, s5_p[16*I +: 16]};
        always @(posedge clk_i) begin
          s5_p[16*I +: 16] <= prod;
          if (s5_v) begin
            acc_q[32*I +: 32] <= sum;
          end
          if (snap_load) begin
            snap_q[32*I +: 32] <= sum;
          end
        end
      end
    end
  endgenerate

  always @(posedge clk_i) begin
    if (snap_load) begin
      snap_omask <= s5_omask;
      snap_ow    <= s5_ow;
      snap_ob    <= s5_ob;
      snap_pb    <= s5_pb;
    end
  end

  ////////////////////
  // Epilogue       //
  ////////////////////

  reg            ep_act_q;
  reg  [LgC:0]   ep_j_q;
  wire [LgC:0]   ep_ncols = ((mode_q == MDw) || is_add) ? C[LgC:0] : {{LgC{1'b0}}, 1'b1};
  wire           ep_lastcol = (ep_j_q == ep_ncols - 1'b1);

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      ep_act_q <= 1'b0;
    end else if (snap_load || add_start) begin
      ep_act_q <= 1'b1;
    end else if (ep_act_q && ep_lastcol) begin
      ep_act_q <= 1'b0;
    end
    if (snap_load || add_start) begin
      ep_j_q <= {(LgC+1){1'b0}};
    end else if (ep_act_q) begin
      ep_j_q <= ep_j_q + 1'b1;
    end
  end

  reg              e1_v;
  reg              e1_lc;
  reg  [LgC-1:0]   e1_j;
  reg  [R*32-1:0]  e1_val;
  reg  [R*32-1:0]  e1_m;
  reg  [R*6-1:0]   e1_s;
  reg              e2_v;
  reg              e2_lc;
  reg  [LgC-1:0]   e2_j;
  reg  [R*49-1:0]  e2_plo;    // val * m[15:0]
  reg  [R*48-1:0]  e2_phi;    // val * m[31:16] (signed)
  reg  [R*6-1:0]   e2_s;
  reg              e3_v;
  reg              e3_lc;
  reg  [LgC-1:0]   e3_j;
  reg  [R*64-1:0]  e3_r;
  reg  [R*6-1:0]   e3_s;
  reg              e4_v;
  reg              e4_lc;
  reg  [LgC-1:0]   e4_j;
  reg  [R*8-1:0]   e4_b;
  localparam integer TagW = 1 + BankAW + LgR + R;
  reg  [TagW-1:0]  e1_tag;
  reg  [TagW-1:0]  e2_tag;
  reg  [TagW-1:0]  e3_tag;
  reg  [TagW-1:0]  e4_tag;

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      e1_v <= 1'b0;
      e2_v <= 1'b0;
      e3_v <= 1'b0;
      e4_v <= 1'b0;
    end else begin
      e1_v <= ep_act_q;
      e2_v <= e1_v;
      e3_v <= e2_v;
      e4_v <= e3_v;
    end
    e1_lc <= ep_lastcol;
    e1_j  <= ep_j_q[LgC-1:0];
    e2_lc <= e1_lc;
    e2_j  <= e1_j;
    e3_lc <= e2_lc;
    e3_j  <= e2_j;
    e4_lc <= e3_lc;
    e4_j  <= e3_j;
    // Output placement travels with the data (the snapshot may be reloaded before E4).
    // (ADD: the output vector's bank word and bank.)
    e1_tag <= is_add ? {1'b0, add_ow_q, {LgR{1'b0}}, add_mask_q} :
                       {snap_pb, snap_ow, snap_ob, snap_omask};
    e2_tag <= e1_tag;
    e3_tag <= e2_tag;
    e4_tag <= e3_tag;
  end

  // DWCONV: parameters of column ep_j (bank snap_pb), shared by all lanes.
  reg  [69:0] par_dw;
  integer pdi;
  always @* begin
    par_dw = 70'd0;
    for (pdi = 0; pdi < C; pdi = pdi + 1) begin
      if (ep_j_q[LgC-1:0] == pdi[LgC-1:0]) begin
        par_dw = par_dw | (snap_pb ? par_q[70*(R+pdi) +: 70] : par_q[70*pdi +: 70]);
      end
    end
  end

  // DWCONV: cell (r, ep_j) of every row; folded, lane r < R/2 adds rows r and r + R/2 (its
  // position's two taps of every step).
  reg  [32*R-1:0] dwcell;
  integer dci;
  integer dcj;
  always @* begin
    dwcell = {32*R{1'b0}};
    for (dci = 0; dci < R; dci = dci + 1) begin
      for (dcj = 0; dcj < C; dcj = dcj + 1) begin
        if (ep_j_q[LgC-1:0] == dcj[LgC-1:0]) begin
          dwcell[32*dci +: 32] = dwcell[32*dci +: 32] | snap_q[32*(C*dci+dcj) +: 32];
        end
      end
    end
  end
  reg  [32*R-1:0] dwval;
  reg  [31:0]     dw_half;
  integer dvi;
  always @* begin
    dwval = dwcell;
    dw_half = 32'd0;
    for (dvi = 0; dvi < R / 2; dvi = dvi + 1) begin
      // (The upper cell masked rather than the sum selected: the AND folds into the adder.)
      dw_half = dwcell[32*dvi +: 32] + (dwcell[32*(dvi+R/2) +: 32] & {32{fold_q}});
      dwval[32*dvi +: 32] = dw_half;
    end
  end

  genvar gl;
  generate
    for (gl = 0; gl < R; gl = gl + 1) begin : g_lane
      // E1: row sum (CONV, GAP) or cell (DWCONV) plus bias.
      reg signed [31:0] rsum;
      integer sc;
      always @* begin
        rsum = 32'sd0;
        for (sc = 0; sc < C; sc = sc + 1) begin
          rsum = rsum + $signed(snap_q[32*(C*gl+sc) +: 32]);
        end
      end
      // CONV/GAP lane r: entry r of the bank; DWCONV: the column's entry, shared by all lanes.
      wire [69:0] par_own = snap_pb ? par_q[70*(R+gl) +: 70] : par_q[70*gl +: 70];
      wire [69:0] par = (mode_q == MDw) ? par_dw : par_own;
      wire [31:0] val = ((mode_q == MDw) ? dwval[32*gl +: 32] : rsum) + par[31:0];
      // E3: rounding; E4: shift and clamp.
      wire [5:0]  sh = e2_s[6*gl +: 6];
      // E3: acc*m = (val * m[31:16]) * 2^16 + val * m[15:0], plus the rounding constant.
      // (ADD: the two products MA*a and MB*b, not shifted.)
      wire [63:0] plo = {{15{e2_plo[49*gl+48]}}, e2_plo[49*gl +: 49]};
      wire [63:0] phi = is_add ? {{16{e2_phi[48*gl+47]}}, e2_phi[48*gl +: 48]} :
                                 {e2_phi[48*gl +: 48], 16'd0};
      // ADD operands of this lane: column ep_j of the block's vector gl; e1_m = {a, b}
      // sign-extended to 16 bits each.
      reg  [7:0]  add_a;
      reg  [7:0]  add_b;
      integer aci;
      always @* begin
        add_a = 8'd0;
        add_b = 8'd0;
        for (aci = 0; aci < C; aci = aci + 1) begin
          if (ep_j_q[LgC-1:0] == aci[LgC-1:0]) begin
            add_a = add_a | add_av_q[8*(C*gl+aci) +: 8];
            add_b = add_b | add_bv_q[8*(C*gl+aci) +: 8];
          end
        end
      end
      wire [31:0] x1 = is_add ? add_ma_q : e1_val[32*gl +: 32];
      wire [31:0] x2 = is_add ? add_mb_q : e1_val[32*gl +: 32];
      wire        y2s = is_add && e1_m[32*gl+15];
      wire [63:0] rnd = phi + plo + (64'd1 << (sh - 6'd1));
      wire signed [63:0] shifted = $signed(e3_r[64*gl +: 64]) >>> e3_s[6*gl +: 6];
      wire signed [63:0] lo64 = {{56{lo_q[7]}}, lo_q};
      wire signed [63:0] hi64 = {{56{hi_q[7]}}, hi_q};
      wire [7:0]  clamped = (shifted < lo64) ? lo_q : (shifted > hi64) ? hi_q : shifted[7:0];
      always @(posedge clk_i) begin
        e1_val[32*gl +: 32] <= val;
        e1_m[32*gl +: 32]   <= is_add ? {{8{add_a[7]}}, add_a, {8{add_b[7]}}, add_b} : par[63:32];
        e1_s[6*gl +: 6]     <= is_add ? add_s_q : par[69:64];
        e2_plo[49*gl +: 49] <= $signed(x2) * $signed({y2s, e1_m[32*gl +: 16]});
        e2_phi[48*gl +: 48] <= $signed(x1) * $signed(e1_m[32*gl+16 +: 16]);
        e2_s[6*gl +: 6]     <= e1_s[6*gl +: 6];
        e3_r[64*gl +: 64]   <= rnd;
        e3_s[6*gl +: 6]     <= sh;
        e4_b[8*gl +: 8]     <= clamped;
      end
    end
  endgenerate

  ////////////////////
  // Writer         //
  ////////////////////

  reg  [R*8-1:0]    wbuf_q;      // CONV/GAP: the R output bytes of a position
  reg  [R*C*8-1:0]  dwbuf_q;     // DWCONV: R output vectors
  reg  [RCBits-1:0] wr_left_q;
  reg  [RCBits-1:0] wr_u_q;
  reg  [BankAW-1:0] wr_ow_q;
  reg  [LgR-1:0]    wr_ob_q;
  reg               dw_pend_q;
  reg  [R-1:0]      dw_mask_q;

  wire [RCBits-1:0] wr_n = (mode_q == MConv) ? RC[RCBits-1:0] : {{(RCBits-1){1'b0}}, 1'b1};
  wire conv_wr = (wr_left_q != {RCBits{1'b0}});
  assign pos_done = (conv_wr && (wr_left_q == {{(RCBits-1){1'b0}}, 1'b1})) || dw_pend_q;

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      wr_left_q <= {RCBits{1'b0}};
      dw_pend_q <= 1'b0;
    end else begin
      if (e4_v && ((mode_q == MConv) || (mode_q == MGap))) begin
        wr_left_q <= wr_n;
      end else if (conv_wr) begin
        wr_left_q <= wr_left_q - 1'b1;
      end
      dw_pend_q <= e4_v && e4_lc && ((mode_q == MDw) || is_add);
    end
    if (e4_v) begin
      wbuf_q  <= e4_b;
      wr_u_q  <= {RCBits{1'b0}};
      wr_ow_q <= e4_tag[LgR + R +: BankAW];
      wr_ob_q <= e4_tag[R +: LgR];
      dw_mask_q <= e4_tag[R-1:0];
      wr_bank_q <= e4_tag[TagW-1];
    end else if (conv_wr) begin
      wr_u_q <= wr_u_q + 1'b1;
    end
  end

  genvar gdr;
  genvar gdc;
  generate
    for (gdr = 0; gdr < R; gdr = gdr + 1) begin : g_dwr
      for (gdc = 0; gdc < C; gdc = gdc + 1) begin : g_dwc
        always @(posedge clk_i) begin
          if (e4_v && ((mode_q == MDw) || is_add) && (e4_j == gdc[LgC-1:0])) begin
            dwbuf_q[8*(C*gdr+gdc) +: 8] <= e4_b[8*gdr +: 8];
          end
        end
      end
    end
  endgenerate

  ////////////////////
  // ADD            //
  ////////////////////

  // A block's period: phase 0 reads its A word, phase 1 its B word; the A data is registered
  // in phase 1, the B data in phase 2, and the C columns enter E1 from phase 3. The next
  // block's A word may overwrite add_av_q only after the last column has used it: C+1 cycles.
  wire add_go = (st_q == SAdd) && (add_blk_q != add_nblk_q);
  wire [24:0] add_nblk_d = ({1'b0, cmd_i[32*4 +: 24]} + R[24:0] - 25'd1) >> LgR;
  assign add_idle = (add_blk_q == add_nblk_q) && !ar_a_q && !ar_b_q && !ep_act_q && !e1_v &&
                    !e2_v && !e3_v && !e4_v && !dw_pend_q;
  integer ami;

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      ar_a_q <= 1'b0;
      ar_b_q <= 1'b0;
    end else begin
      ar_a_q <= add_go && (add_ph_q == {(LgC+1){1'b0}});
      ar_b_q <= add_go && (add_ph_q == {{LgC{1'b0}}, 1'b1});
    end
    if (accept) begin
      add_blk_q  <= 24'd0;
      add_nblk_q <= add_nblk_d[23:0];
      add_ph_q   <= {(LgC+1){1'b0}};
      add_left_q <= cmd_i[32*4 +: 24];
    end else if (add_go) begin
      if (add_ph_q == C[LgC:0]) begin
        add_ph_q   <= {(LgC+1){1'b0}};
        add_blk_q  <= add_blk_q + 24'd1;
        add_left_q <= add_left_q - R[23:0];
      end else begin
        add_ph_q <= add_ph_q + 1'b1;
      end
    end
    if (ar_a_q) begin
      add_av_q <= act_a_rdata_i;
    end
    if (ar_b_q) begin
      add_bv_q <= act_a_rdata_i;
    end
    // The block's output placement, for E1 (the previous block's columns have all entered).
    if (add_start) begin
      add_ow_q <= add_o_q[LgR +: BankAW] + add_blk_q[BankAW-1:0];
      for (ami = 0; ami < R; ami = ami + 1) begin
        add_mask_q[ami] <= (add_left_q > ami[23:0]);
      end
    end
  end

  ////////////////////
  // ACT port B     //
  ////////////////////

  reg [8*C-1:0] wbuf_u;   // vector wr_u_q of the CONV/GAP write buffer
  integer wui;
  always @* begin
    wbuf_u = {8*C{1'b0}};
    for (wui = 0; wui < RC; wui = wui + 1) begin
      if (wr_u_q == wui[RCBits-1:0]) begin
        wbuf_u = wbuf_u | wbuf_q[8*C*wui +: 8*C];
      end
    end
  end

  integer wb;
  always @* begin
    act_b_we_o    = {R{1'b0}};
    act_b_addr_o  = {R*BankAW{1'b0}};
    act_b_wdata_o = {R*C*8{1'b0}};
    for (wb = 0; wb < R; wb = wb + 1) begin
      if (dw_pend_q) begin
        act_b_we_o[wb] = dw_mask_q[wb];
        act_b_addr_o[BankAW*wb +: BankAW] = wr_ow_q;
        act_b_wdata_o[8*C*wb +: 8*C] = dwbuf_q[8*C*wb +: 8*C];
      end else begin
        act_b_we_o[wb] = conv_wr && (wr_ob_q == wb[LgR-1:0]);
        act_b_addr_o[BankAW*wb +: BankAW] = wr_ow_q + {{(BankAW-RCBits){1'b0}}, wr_u_q};
        act_b_wdata_o[8*C*wb +: 8*C] = wbuf_u;
      end
    end
  end

  assign cmd_ready_o = (st_q == SIdle);
  assign busy_o      = (st_q != SIdle);
  assign done_o      = ((st_q == SFlush) && pos_none) || ((st_q == SAdd) && add_idle);

  // Unused: command bits of other formats, high bits of wide address arithmetic.
  wire unused_ok = &{1'b0, cmd_i, d_owb9, d_nb, d_wb9, pidx_q, paddr, s1_wa, ow_conv, ow_dw,
                     ow_gap, w1_full, add_rd_word, add_nblk_d, add_o_q};

endmodule

`default_nettype wire
