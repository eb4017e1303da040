// SPDX-License-Identifier: Apache-2.0
//
// sushi_compute_epilogue: turns a snapshot of the MAC array (a finished output position) or
// an ADD block into int8 output bytes: R lanes (sushi_compute_epi_lane), stages E1..E4.
//
// Contract:
// - Input channels, valid-only (the loop nest's and the ADD sequencer's pacing guarantee
//   that a new input never arrives while the previous one is still being read, so there is
//   no ready): snap_valid_i (sushi_compute_mac_array: the snapshot loads at this edge and
//   holds until the next snap_valid_i) and add_valid_i (sushi_compute_add_seq: the ADD
//   block's vectors, output word and mask hold from the next cycle until the block's last
//   column has entered E1). Exactly one of them can be active per command.
// - Columns: a CONV or GAP snapshot enters E1 in one cycle (lane r: the sum of row r's
//   cells, plus bias r of the bank); a DWCONV snapshot and an ADD block enter in C cycles,
//   column j in cycle j (DWCONV lane r: cell (r, j), plus bias j of the bank; folded: lane
//   r < R/2 adds cells (r, j) and (r + R/2, j), its position's two taps; ADD lane r: element
//   j of the block's vector r).
// - Parameters: CONV/GAP lane r uses entry r of bank (tag bit TagW-1), DWCONV every lane the
//   column's entry j; ADD uses MA, MB, SHIFT of the command.
// - Output: out_valid_o for each column four cycles after it entered E1, with its bytes
//   (out_bytes_o, byte r from lane r), column out_col_o, out_last_col_o on the last column,
//   and the tag of its position (ADD: {0, output word, 0, vectors inside VECTORS}).
// - busy_o: a column is still to enter or in E1..E4.

`default_nettype none

module sushi_compute_epilogue #(
  // MAC array rows R (power of two, 4..64)
  parameter integer ArrayRows = 16,
  // MAC array columns C (power of two, 2..R)
  parameter integer ArrayCols = 8,
  // Address width of one ACT bank
  parameter integer BankAW = 10,
  // Width of the output placement tag: 1 + BankAW + log2(R) + R
  parameter integer TagW = 1 + BankAW + 4 + 16
) (
  input  wire                               clk_i,
  input  wire                               rst_ni,
  input  wire                               abort_i,
  // Operator of the command (CONV or GAP when neither)
  input  wire                               dw_i,
  input  wire                               add_i,
  input  wire                               fold_i,
  // Command constants: clamp bounds (int8), ADD multipliers and shift
  input  wire [7:0]                         lo_i,
  input  wire [7:0]                         hi_i,
  input  wire [31:0]                        add_ma_i,
  input  wire [31:0]                        add_mb_i,
  input  wire [5:0]                         add_s_i,
  // Parameter banks (sushi_compute_epi_params)
  input  wire [70*2*ArrayRows-1:0]          par_i,
  // Snapshot of a window position (sushi_compute_mac_array)
  input  wire                               snap_valid_i,
  input  wire [ArrayRows*ArrayCols*32-1:0]  snap_acc_i,
  input  wire [TagW-1:0]                    snap_tag_i,
  // ADD block (sushi_compute_add_seq)
  input  wire                               add_valid_i,
  input  wire [ArrayRows*ArrayCols*8-1:0]   add_a_i,
  input  wire [ArrayRows*ArrayCols*8-1:0]   add_b_i,
  input  wire [BankAW-1:0]                  add_word_i,
  input  wire [ArrayRows-1:0]               add_mask_i,
  // E4 output
  output reg                                out_valid_o,
  output reg                                out_last_col_o,
  output reg  [$clog2(ArrayCols)-1:0]       out_col_o,
  output wire [ArrayRows*8-1:0]             out_bytes_o,
  output reg  [TagW-1:0]                    out_tag_o,
  output wire                               busy_o
);

  localparam integer R = ArrayRows;
  localparam integer C = ArrayCols;
  localparam integer LgR = $clog2(R);
  localparam integer LgC = $clog2(C);

  //////////////////////
  // Column sequencer //
  //////////////////////

  reg            ep_act_q;  // a column enters E1 this cycle
  reg  [LgC:0]   ep_col_q;  // that column
  wire [LgC:0]   ep_ncols = (dw_i || add_i) ? C[LgC:0] : {{LgC{1'b0}}, 1'b1};
  wire           ep_last_col = (ep_col_q == ep_ncols - 1'b1);

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      ep_act_q <= 1'b0;
    end else if (snap_valid_i || add_valid_i) begin
      ep_act_q <= 1'b1;
    end else if (ep_act_q && ep_last_col) begin
      ep_act_q <= 1'b0;
    end
    if (snap_valid_i || add_valid_i) begin
      ep_col_q <= {(LgC+1){1'b0}};
    end else if (ep_act_q) begin
      ep_col_q <= ep_col_q + 1'b1;
    end
  end

  //////////////////////
  // Control pipeline //
  //////////////////////

  reg              e1_v;
  reg              e1_lc;
  reg  [LgC-1:0]   e1_j;
  reg  [TagW-1:0]  e1_tag;
  reg              e2_v;
  reg              e2_lc;
  reg  [LgC-1:0]   e2_j;
  reg  [TagW-1:0]  e2_tag;
  reg              e3_v;
  reg              e3_lc;
  reg  [LgC-1:0]   e3_j;
  reg  [TagW-1:0]  e3_tag;

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      e1_v        <= 1'b0;
      e2_v        <= 1'b0;
      e3_v        <= 1'b0;
      out_valid_o <= 1'b0;
    end else begin
      e1_v        <= ep_act_q;
      e2_v        <= e1_v;
      e3_v        <= e2_v;
      out_valid_o <= e3_v;
    end
    e1_lc          <= ep_last_col;
    e1_j           <= ep_col_q[LgC-1:0];
    e2_lc          <= e1_lc;
    e2_j           <= e1_j;
    e3_lc          <= e2_lc;
    e3_j           <= e2_j;
    out_last_col_o <= e3_lc;
    out_col_o      <= e3_j;
    // Output placement travels with the data (the snapshot may be reloaded before E4).
    e1_tag    <= add_i ? {1'b0, add_word_i, {LgR{1'b0}}, add_mask_i} : snap_tag_i;
    e2_tag    <= e1_tag;
    e3_tag    <= e2_tag;
    out_tag_o <= e3_tag;
  end

  assign busy_o = ep_act_q || e1_v || e2_v || e3_v || out_valid_o;

  //////////////////////////
  // E1 operands per lane //
  //////////////////////////

  wire snap_bank = snap_tag_i[TagW-1];

  // DWCONV: parameters of column ep_col_q (bank snap_bank), shared by all lanes.
  reg  [69:0] par_dw;
  integer pdi;
  always @* begin
    par_dw = 70'd0;
    for (pdi = 0; pdi < C; pdi = pdi + 1) begin
      if (ep_col_q[LgC-1:0] == pdi[LgC-1:0]) begin
        par_dw = par_dw | (snap_bank ? par_i[70*(R+pdi) +: 70] : par_i[70*pdi +: 70]);
      end
    end
  end

  // DWCONV: cell (r, ep_col_q) of every row; folded, lane r < R/2 adds rows r and r + R/2 (its
  // position's two taps of every step).
  reg  [32*R-1:0] dwcell;
  integer dci;
  integer dcj;
  always @* begin
    dwcell = {32*R{1'b0}};
    for (dci = 0; dci < R; dci = dci + 1) begin
      for (dcj = 0; dcj < C; dcj = dcj + 1) begin
        if (ep_col_q[LgC-1:0] == dcj[LgC-1:0]) begin
          dwcell[32*dci +: 32] = dwcell[32*dci +: 32] | snap_acc_i[32*(C*dci+dcj) +: 32];
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
      dw_half = dwcell[32*dvi +: 32] + (dwcell[32*(dvi+R/2) +: 32] & {32{fold_i}});
      dwval[32*dvi +: 32] = dw_half;
    end
  end

  genvar gl;
  generate
    for (gl = 0; gl < R; gl = gl + 1) begin : g_lane
      // Row sum (CONV, GAP).
      reg signed [31:0] rsum;
      integer sc;
      always @* begin
        rsum = 32'sd0;
        for (sc = 0; sc < C; sc = sc + 1) begin
          rsum = rsum + $signed(snap_acc_i[32*(C*gl+sc) +: 32]);
        end
      end
      // CONV/GAP lane r: entry r of the bank; DWCONV: the column's entry, shared by all lanes.
      wire [69:0] par_own = snap_bank ? par_i[70*(R+gl) +: 70] : par_i[70*gl +: 70];
      wire [69:0] par = dw_i ? par_dw : par_own;
      wire [31:0] val = (dw_i ? dwval[32*gl +: 32] : rsum) + par[31:0];
      // ADD operands of this lane: column ep_col_q of the block's vector gl.
      reg  [7:0]  add_a;
      reg  [7:0]  add_b;
      integer aci;
      always @* begin
        add_a = 8'd0;
        add_b = 8'd0;
        for (aci = 0; aci < C; aci = aci + 1) begin
          if (ep_col_q[LgC-1:0] == aci[LgC-1:0]) begin
            add_a = add_a | add_a_i[8*(C*gl+aci) +: 8];
            add_b = add_b | add_b_i[8*(C*gl+aci) +: 8];
          end
        end
      end

      sushi_compute_epi_lane u_lane (
        .clk_i   (clk_i),
        .add_i   (add_i),
        .val_i   (val),
        .y_i     (add_i ? {{8{add_a[7]}}, add_a, {8{add_b[7]}}, add_b} : par[63:32]),
        .shift_i (add_i ? add_s_i : par[69:64]),
        .ma_i    (add_ma_i),
        .mb_i    (add_mb_i),
        .lo_i    (lo_i),
        .hi_i    (hi_i),
        .byte_o  (out_bytes_o[8*gl +: 8])
      );
    end
  endgenerate

endmodule

`default_nettype wire
