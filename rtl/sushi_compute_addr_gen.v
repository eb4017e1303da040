// SPDX-License-Identifier: Apache-2.0
//
// sushi_compute_addr_gen: pipeline stages S1 and S2 of a window command: the input
// positions, bounds and memory addresses of each step, and where its position's outputs go.
//
// Contract:
// - setup_i (one cycle) registers the command's row sizes and OW; the command fields hold
//   from then to the end of the command.
// - step_*_i is the loop nest's step of this cycle (sushi_compute_loop_nest), valid-only:
//   every step with step_valid_i enters S1 and leaves S2 two cycles later (no stall).
// - S1 (registered at the end of the step's cycle): input row and column, zero padding
//   (s2_cellv_o: rows whose input is inside the map, and for DWCONV whose output is < OW),
//   the bank each row reads (DWCONV), the weight word. macs_inc_o counts the S1 step's MACs.
// - S2 (registered one cycle later) presents the memory reads: act_addr_o (one word address
//   per ACT bank: banks below s2_xbank_o read the next x-word) and w_addr_o, whose data
//   arrive in S3, together with the operand selects s2_* for that data and the step's output
//   placement s2_tag_o = {parameter bank, output word, output bank, output row mask}.
//
// Address arithmetic (vector addresses a live in bank a mod R, word a / R; rtl/README.md):
//   input word  IN_ADDR/R + (iy - IN_ROW0)*ceil(IN_W/R)*IN_CV + (ix / R)*IN_CV + v
//   output word OUT_ADDR/R + j*ceil(OW/R)*OUT_CV + { CONV: (x/R)*OUT_CV + g*R/C,
//               DWCONV: xb*OUT_CV + v } (GAP: OUT_ADDR/R + v), output bank CONV x mod R else 0.

`default_nettype none

module sushi_compute_addr_gen #(
  // MAC array rows R (power of two, 4..64)
  parameter integer ArrayRows = 16,
  // MAC array columns C (power of two, 2..R)
  parameter integer ArrayCols = 8,
  // Address width of one ACT bank
  parameter integer BankAW = 10,
  // Address width of WMEM words
  parameter integer WAW = 11,
  // Width of macs_inc_o
  parameter integer MacsIncBits = 16,
  // Width of s2_tag_o: 1 + BankAW + log2(R) + R
  parameter integer TagW = 1 + BankAW + 4 + 16
) (
  input  wire                          clk_i,
  input  wire                          rst_ni,
  input  wire                          abort_i,
  input  wire                          setup_i,
  // Operator of the command
  input  wire                          conv_i,
  input  wire                          dw_i,
  input  wire                          gap_i,
  // Command fields (in_word_i = IN_ADDR/R and out_word_i = OUT_ADDR/R: bank words)
  input  wire [23:0]                   in_word_i,
  input  wire                          stride2_i,
  input  wire [7:0]                    in_h_i,
  input  wire [7:0]                    in_w_i,
  input  wire [7:0]                    in_cv_i,
  input  wire [7:0]                    in_row0_i,
  input  wire [23:0]                   out_word_i,
  input  wire [7:0]                    out_cv_i,
  input  wire [7:0]                    out_row0_i,
  // Folded DWCONV (from the loop nest)
  input  wire                          fold_i,
  // Step of this cycle (sushi_compute_loop_nest)
  input  wire                          step_valid_i,
  input  wire                          step_first_i,
  input  wire                          step_last_i,
  input  wire [7:0]                    step_grp_i,
  input  wire [7:0]                    step_row_i,
  input  wire [7:0]                    step_col_i,
  input  wire [5:0]                    step_tap_i,
  input  wire [7:0]                    step_inner_i,
  input  wire [3:0]                    step_dy_i,
  input  wire [3:0]                    step_dx_i,
  input  wire [3:0]                    step_pair_dx_i,
  input  wire                          step_pair_ok_i,
  input  wire [23:0]                   step_w_word_i,
  // MACs of the S1 step
  output reg  [MacsIncBits-1:0]        macs_inc_o,
  // S2: memory reads
  output reg  [ArrayRows*BankAW-1:0]   act_addr_o,
  output wire [WAW-1:0]                w_addr_o,
  // S2: the step, the operand selects for its read data, its output placement
  output reg                           s2_valid_o,
  output reg                           s2_first_o,
  output reg                           s2_last_o,
  output reg  [$clog2(ArrayRows)-1:0]  s2_xbank_o,
  output reg  [$clog2(ArrayRows)-1:0]  s2_wrow_o,
  output reg  [ArrayRows*$clog2(ArrayRows)-1:0] s2_row_bank_o,
  output reg  [ArrayRows-1:0]          s2_cellv_o,
  output wire [TagW-1:0]               s2_tag_o
);

  localparam integer R = ArrayRows;
  localparam integer C = ArrayCols;
  localparam integer LgR = $clog2(R);
  localparam integer RC = R / C;
  localparam integer RM1Int = R - 1;
  localparam [8:0]   RM1 = RM1Int[8:0];
  localparam integer HalfRInt = R / 2;
  localparam [7:0]   HalfR = HalfRInt[7:0];
  localparam integer LgHalfR = (R >= 2) ? LgR - 1 : 0;

  generate
    if (TagW != 1 + BankAW + LgR + R) begin : g_illegal_tagw
      $error("sushi_compute_addr_gen: TagW=%0d must be 1 + BankAW + log2(R) + R", TagW);
    end
  endgenerate

  ///////////
  // Sizes //
  ///////////

  reg  [7:0]  ow_q;         // output width OW
  reg  [15:0] row_words_q;  // in-bank words per input row: ceil(IN_W/R) * IN_CV
  reg  [15:0] orow_words_q; // in-bank words per output row: ceil(OW/R) * OUT_CV

  // (The same OW as the loop nest's.)
  wire [7:0]  d_ow   = stride2_i ? ({1'b0, in_w_i[7:1]} + {7'd0, in_w_i[0]}) : in_w_i;
  wire [8:0]  d_owb9 = ({1'b0, d_ow} + RM1) >> LgR;
  wire [8:0]  d_wb9  = ({1'b0, in_w_i} + RM1) >> LgR;

  always @(posedge clk_i) begin
    if (setup_i) begin
      ow_q         <= d_ow;
      row_words_q  <= d_wb9[7:0] * in_cv_i;
      orow_words_q <= d_owb9[7:0] * out_cv_i;
    end
  end

  //////////////////////////
  // S1: bounds and banks //
  //////////////////////////

  wire signed [12:0] dy = {{9{step_dy_i[3]}}, step_dy_i};
  wire signed [12:0] dx = {{9{step_dx_i[3]}}, step_dx_i};
  wire [8:0]         oy = {1'b0, out_row0_i} + {1'b0, step_row_i};
  // Input row (GAP: the loop's row) and its row in the ACT tensor.
  wire signed [12:0] iy = gap_i ? $signed({5'd0, step_row_i}) :
                          ($signed({3'd0, oy, 1'b0} >> (stride2_i ? 0 : 1)) + dy);
  wire signed [12:0] rowoff = iy - $signed({5'd0, in_row0_i});
  wire               iy_ok = (iy >= 0) && (iy < $signed({5'd0, in_h_i}));
  // DWCONV: first output position of the block.
  wire [12:0]        xblk = {5'd0, step_col_i} << LgR;
  // Input x of the step: CONV ox*s+dx, GAP x; DWCONV that of row 0 of the block (folded: 0,
  // every bank reads x-word 0 and rows pick their own positions).
  reg  signed [12:0] xs;
  always @* begin
    if (gap_i) begin
      xs = $signed({5'd0, step_col_i});
    end else if (dw_i) begin
      xs = fold_i ? 13'sd0 :
           $signed(stride2_i ? ((xblk << 1) + ({12'd0, step_inner_i[0]} << LgR)) : xblk) + dx;
    end else begin
      xs = $signed({4'd0, step_col_i, 1'b0} >> (stride2_i ? 0 : 1)) + dx;
    end
  end
  wire               ix_ok = (xs >= 0) && (xs < $signed({5'd0, in_w_i}));

  reg  [R-1:0]       cellv;
  reg  [R-1:0]       omask;
  reg  [R*LgR-1:0]   row_bank;  // DWCONV: the bank (input x) each row reads
  reg  signed [12:0] ixr;
  reg  [12:0]        oxr;
  reg                fup;       // folded: the row is in the upper half (second tap)
  reg  [7:0]         fx;        // folded: the row's output position
  reg  [3:0]         fdx_r;     // folded: dx of the row's tap
  reg  signed [7:0]  fix;       // folded: the row's input position (|dx| <= 3, x*s < R)
  integer            cr;
  always @* begin
    for (cr = 0; cr < R; cr = cr + 1) begin
      oxr = xblk + cr[12:0];
      omask[cr] = (oxr < {5'd0, ow_q});
      fup   = cr[LgHalfR];
      fx    = cr[7:0] & (HalfR - 8'd1);
      fdx_r = fup ? step_pair_dx_i : step_dx_i;
      fix   = $signed(stride2_i ? {fx[6:0], 1'b0} : fx) + $signed({{4{fdx_r[3]}}, fdx_r});
      if (stride2_i) begin
        ixr = xs + $signed({cr[11:0], 1'b0}) - $signed({12'd0, step_inner_i[0]} << LgR);
      end else begin
        ixr = xs + $signed(cr[12:0]);
      end
      row_bank[LgR*cr +: LgR] = fold_i ? fix[LgR-1:0] : ixr[LgR-1:0];
      if (fold_i) begin
        // (Folded, IN_W <= R <= 64: IN_W fits the signed byte.)
        cellv[cr] = (!fup || step_pair_ok_i) && (fx < ow_q) && iy_ok && (fix >= 0) &&
                    (fix < $signed(in_w_i));
      end else if (dw_i) begin
        cellv[cr] = omask[cr] && iy_ok && (ixr >= 0) && (ixr < $signed({5'd0, in_w_i})) &&
                    (!stride2_i || ((cr >> (LgR - 1)) == {31'd0, step_inner_i[0]}));
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
  reg  [7:0]         s1_vin;     // input vector of the step (CONV: inner loop; else the group)
  reg  [R-1:0]       s1_cellv;
  reg  [R-1:0]       s1_omask;
  reg  [23:0]        s1_wa;
  reg  [LgR-1:0]     s1_wrow;
  reg  [R*LgR-1:0]   s1_row_bank;
  reg  [7:0]         s1_grp;
  reg  [7:0]         s1_row;
  reg  [7:0]         s1_col;

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      s1_v <= 1'b0;
    end else begin
      s1_v <= step_valid_i;
    end
    s1_first    <= step_first_i;
    s1_last     <= step_last_i;
    s1_rowoff   <= rowoff;
    s1_xs       <= xs;
    s1_vin      <= conv_i ? step_inner_i : step_grp_i;
    s1_cellv    <= cellv;
    s1_omask    <= omask;
    s1_wa       <= step_w_word_i;
    s1_wrow     <= step_tap_i[LgR-1:0];
    s1_row_bank <= row_bank;
    s1_grp      <= step_grp_i;
    s1_row      <= step_row_i;
    s1_col      <= step_col_i;
  end

  // MACs of the S1 step.
  localparam integer MacsRCInt = R * C;
  localparam integer MacsCInt = C;
  localparam [31:0] MacsRC = MacsRCInt[31:0];
  localparam [31:0] MacsC = MacsCInt[31:0];
  integer mi;
  always @* begin
    macs_inc_o = {MacsIncBits{1'b0}};
    if (s1_v) begin
      if (conv_i) begin
        macs_inc_o = s1_cellv[0] ? MacsRC[MacsIncBits-1:0] : {MacsIncBits{1'b0}};
      end else if (dw_i) begin
        for (mi = 0; mi < R; mi = mi + 1) begin
          macs_inc_o = macs_inc_o + (s1_cellv[mi] ? MacsC[MacsIncBits-1:0] : {MacsIncBits{1'b0}});
        end
      end
    end
  end

  ///////////////////
  // S2: addresses //
  ///////////////////

  wire signed [31:0] s1_xq = {{19{s1_xs[12]}}, s1_xs} >>> LgR;
  wire signed [31:0] w0_full = $signed({8'd0, in_word_i}) +
                               $signed({{19{s1_rowoff[12]}}, s1_rowoff}) *
                                 $signed({16'd0, row_words_q}) +
                               s1_xq * $signed({24'd0, in_cv_i}) + $signed({24'd0, s1_vin});
  wire [31:0] w1_full = w0_full + {24'd0, in_cv_i};
  wire [31:0] ow_conv = {8'd0, out_word_i} + {24'd0, s1_row} * {16'd0, orow_words_q} +
                        ({24'd0, s1_col} >> LgR) * {24'd0, out_cv_i} + {24'd0, s1_grp} * RC;
  wire [31:0] ow_dw   = {8'd0, out_word_i} + {24'd0, s1_row} * {16'd0, orow_words_q} +
                        {24'd0, s1_col} * {24'd0, out_cv_i} + {24'd0, s1_grp};
  wire [31:0] ow_gap  = {8'd0, out_word_i} + {24'd0, s1_grp};

  reg  [BankAW-1:0]  s2_w0;     // input word of the banks at and above s2_xbank_o
  reg  [BankAW-1:0]  s2_w1;     // the next x-word, for the banks below
  reg  [WAW-1:0]     s2_wa;
  reg  [R-1:0]       s2_omask;  // output rows whose position is < OW (DWCONV)
  reg  [BankAW-1:0]  s2_ow;     // output word of the step's position
  reg  [LgR-1:0]     s2_ob;     // output bank (CONV: x mod R)
  reg                s2_pb;     // parameter bank of the step's group

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      s2_valid_o <= 1'b0;
    end else begin
      s2_valid_o <= s1_v;
    end
    s2_first_o    <= s1_first;
    s2_last_o     <= s1_last;
    s2_w0         <= w0_full[BankAW-1:0];
    s2_w1         <= w1_full[BankAW-1:0];
    s2_xbank_o    <= s1_xs[LgR-1:0];
    s2_wa         <= s1_wa[WAW-1:0];
    s2_wrow_o     <= s1_wrow;
    s2_row_bank_o <= s1_row_bank;
    s2_cellv_o    <= s1_cellv;
    s2_omask      <= s1_omask;
    s2_ow         <= conv_i ? ow_conv[BankAW-1:0] :
                     dw_i ? ow_dw[BankAW-1:0] : ow_gap[BankAW-1:0];
    s2_ob         <= conv_i ? s1_col[LgR-1:0] : {LgR{1'b0}};
    s2_pb         <= s1_grp[0];
  end

  integer ab;
  always @* begin
    for (ab = 0; ab < R; ab = ab + 1) begin
      act_addr_o[BankAW*ab +: BankAW] = (ab[LgR-1:0] < s2_xbank_o) ? s2_w1 : s2_w0;
    end
  end

  assign w_addr_o = s2_wa;
  assign s2_tag_o = {s2_pb, s2_ow, s2_ob, s2_omask};

  // Unused: high bits of the rounded-up divisions and of wide address arithmetic; the tap
  // index above its weight row t mod R.
  wire unused_ok = &{1'b0, d_owb9[8], d_wb9[8], s1_wa, w0_full, w1_full, ow_conv, ow_dw, ow_gap,
                     step_tap_i};

endmodule

`default_nettype wire
