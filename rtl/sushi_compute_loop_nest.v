// SPDX-License-Identifier: Apache-2.0
//
// sushi_compute_loop_nest: the loop nest of a window command (CONV, DWCONV, GAP): which array
// step issues in each cycle, and its weight word.
//
// Contract:
// - setup_i (one cycle, the engine's setup state) loads the loop limits from the command
//   fields, which hold until the next command, and restarts the counters at the first step.
//   empty_o (valid from the cycle after setup_i) is high when a loop has no iteration: the
//   command then issues nothing.
// - While run_i is high, steps issue (step_valid_o) in this loop nest, outer to inner:
//     level 0, grp_q:   CONV output group g, DWCONV/GAP channel vector v (< GROUPS)
//     level 1, row_q:   CONV/DWCONV output row j (< OUT_ROWS), GAP input row y (< IN_H)
//     level 2, col_q:   CONV output x (< OW), DWCONV block xb of R outputs (< ceil(OW/R)),
//                       GAP input x (< IN_W)
//     level 3, tap_q:   CONV/DWCONV tap t (< T = k*k; folded DWCONV: +2 after a pair), GAP 0
//     level 4, inner_q: CONV input vector v (< IN_VECTORS), DWCONV stride phase (< P), GAP 0
//   An output position is the steps that accumulate into one snapshot: CONV (g, j, x), DWCONV
//   (v, j, xb), GAP the whole channel vector v. step_first_o marks a position's first step
//   (the accumulators restart), step_last_o its last; cmd_last_o the command's last step.
// - Pacing (valid-only towards the step pipeline, which never stalls): a position's last step
//   issues only when grp_par_ready_i (the parameters of group grp_o are loaded) and at least
//   Pmin cycles after the previous last step (CONV R/C, DWCONV C, GAP 1), so the epilogue and
//   the writer always accept what the array produces. Other steps issue every cycle.
// - Step outputs (grp_o .. w_word_o) are combinational from the counters and describe the
//   step of this cycle, whether it issues or not.
// - Folded DWCONV (fold_o, decided at setup: IN_W <= R and OW <= R/2): the upper half of the
//   array rows takes tap tap_o + 1 when pair_ok_o (the same input row dy and weight word
//   t / R); tap_q then advances by 2.

`default_nettype none

module sushi_compute_loop_nest #(
  // MAC array rows R (power of two, 4..64)
  parameter integer ArrayRows = 16,
  // MAC array columns C (power of two, 2..R)
  parameter integer ArrayCols = 8
) (
  input  wire        clk_i,
  input  wire        rst_ni,
  input  wire        abort_i,
  // Engine state: setup (load limits, restart), run (issue steps)
  input  wire        setup_i,
  input  wire        run_i,
  // Operator of the command (one of them is high)
  input  wire        conv_i,
  input  wire        dw_i,
  input  wire        gap_i,
  // Command fields (hold from setup_i to the end of the command)
  input  wire [3:0]  k_i,
  input  wire        stride2_i,
  input  wire [7:0]  in_h_i,
  input  wire [7:0]  in_w_i,
  input  wire [7:0]  in_cv_i,
  input  wire [7:0]  in_vec_i,
  input  wire [7:0]  out_rows_i,
  input  wire [7:0]  groups_i,
  input  wire [23:0] w_addr_i,
  // The parameters of group grp_o are loaded
  input  wire        grp_par_ready_i,
  // A loop has no iteration
  output wire        empty_o,
  // The step of this cycle
  output wire        step_valid_o,
  output wire        step_first_o,
  output wire        step_last_o,
  output wire        cmd_last_o,
  output wire [7:0]  grp_o,
  output wire [7:0]  row_o,
  output wire [7:0]  col_o,
  output wire [5:0]  tap_o,
  output wire [7:0]  inner_o,
  // Offsets of tap tap_o, and dx of tap tap_o + 1 (folded: the upper rows' tap when pair_ok_o)
  output wire [3:0]  tap_dy_o,
  output wire [3:0]  tap_dx_o,
  output wire [3:0]  pair_dx_o,
  output wire        pair_ok_o,
  // WMEM word of the step
  output wire [23:0] w_word_o,
  // Folded DWCONV
  output wire        fold_o
);

  localparam integer R = ArrayRows;
  localparam integer C = ArrayCols;
  localparam integer LgR = $clog2(R);
  localparam integer RC = R / C;
  localparam integer RM1Int = R - 1;
  localparam [8:0]   RM1 = RM1Int[8:0];
  localparam integer PminConv = RC - 1;
  localparam integer PminDw = C - 1;
  localparam integer HalfRInt = R / 2;
  localparam [7:0]   HalfR = HalfRInt[7:0];

  ////////////
  // Limits //
  ////////////

  // Level limits (level 0's is GROUPS itself, see the table above).
  reg  [7:0]  row_lim_q;
  reg  [7:0]  col_lim_q;
  reg  [5:0]  tap_lim_q;
  reg  [7:0]  inner_lim_q;
  reg  [5:0]  pmin_q;       // minimum cycles between last steps, minus one
  reg  [7:0]  vskip_q;      // CONV: weight words of a tap skipped after its IN_VECTORS
  reg  [3:0]  nb_q;         // DWCONV: weight words per channel vector, ceil(T/R)
  reg         fold_q;       // DWCONV folded: each half of the rows takes a tap of the step

  wire [5:0]  d_t    = {2'd0, k_i} * {2'd0, k_i};
  wire [7:0]  d_ow   = stride2_i ? ({1'b0, in_w_i[7:1]} + {7'd0, in_w_i[0]}) : in_w_i;
  wire [8:0]  d_owb9 = ({1'b0, d_ow} + RM1) >> LgR;
  wire [7:0]  d_owb  = d_owb9[7:0];
  wire [6:0]  d_nb   = ({1'b0, d_t} + RM1[6:0]) >> LgR;
  wire [8:0]  d_wb9  = ({1'b0, in_w_i} + RM1) >> LgR;

  always @(posedge clk_i) begin
    if (setup_i) begin
      nb_q    <= d_nb[3:0];
      vskip_q <= in_cv_i - in_vec_i;
      // Folding needs every input row in one word per bank (IN_W <= R: one step reads a whole
      // row) and outputs that leave at least half of the R positions idle.
      fold_q  <= dw_i && (d_wb9 == 9'd1) && (d_ow <= HalfR);
      if (conv_i) begin
        row_lim_q <= out_rows_i; col_lim_q <= d_ow; tap_lim_q <= d_t;
        inner_lim_q <= in_vec_i; pmin_q <= PminConv[5:0];
      end else if (dw_i) begin
        row_lim_q <= out_rows_i; col_lim_q <= d_owb; tap_lim_q <= d_t;
        // Stride 2 takes a second phase only when outputs reach the upper half of a block.
        inner_lim_q <= (stride2_i && (d_ow > HalfR)) ? 8'd2 : 8'd1; pmin_q <= PminDw[5:0];
      end else begin
        row_lim_q <= in_h_i; col_lim_q <= in_w_i; tap_lim_q <= 6'd1;
        inner_lim_q <= 8'd1; pmin_q <= 6'd0;
      end
    end
  end

  //////////////
  // Counters //
  //////////////

  reg  [7:0]  grp_q;
  reg  [7:0]  row_q;
  reg  [7:0]  col_q;
  reg  [5:0]  tap_q;
  reg  [7:0]  inner_q;
  reg  [23:0] w_ptr_q;   // CONV: weight word of this step
  reg  [23:0] w_grp_q;   // first weight word of the group (CONV group, DWCONV channel vector)
  reg  [5:0]  thr_q;     // cycles left before another last step may issue

  // Taps of the step: 1, or 2 for a folded DWCONV pair.
  wire [5:0] tap_step;
  wire inner_last = (inner_q == inner_lim_q - 8'd1);
  wire tap_last   = (tap_q + tap_step == tap_lim_q);
  wire col_last   = (col_q == col_lim_q - 8'd1);
  wire row_last   = (row_q == row_lim_q - 8'd1);
  wire grp_last   = (grp_q == groups_i - 8'd1);
  wire step_first = gap_i ? ((row_q == 8'd0) && (col_q == 8'd0)) :
                            ((tap_q == 6'd0) && (inner_q == 8'd0));
  wire step_last  = gap_i ? (row_last && col_last) : (tap_last && inner_last);
  wire grp_end    = row_last && col_last && tap_last && inner_last;
  // Only a position's last step waits for the parameters: the epilogue reads them at least
  // five cycles after that step issues.
  wire issue      = run_i && !(step_last && ((thr_q != 6'd0) || !grp_par_ready_i));

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      thr_q <= 6'd0;
    end else if (issue && step_last) begin
      thr_q <= pmin_q;
    end else if (thr_q != 6'd0) begin
      thr_q <= thr_q - 6'd1;
    end
  end

  always @(posedge clk_i) begin
    if (setup_i) begin
      grp_q <= 8'd0; row_q <= 8'd0; col_q <= 8'd0; tap_q <= 6'd0; inner_q <= 8'd0;
      w_ptr_q <= w_addr_i;
      w_grp_q <= w_addr_i;
    end else if (issue) begin
      inner_q <= inner_last ? 8'd0 : inner_q + 8'd1;
      if (inner_last) begin
        tap_q <= tap_last ? 6'd0 : tap_q + tap_step;
        if (tap_last) begin
          col_q <= col_last ? 8'd0 : col_q + 8'd1;
          if (col_last) begin
            row_q <= row_last ? 8'd0 : row_q + 8'd1;
            if (row_last) begin
              grp_q <= grp_q + 8'd1;
            end
          end
        end
      end
      if (conv_i) begin
        // Weights are (group, tap, IN_CV vectors); a tap's last vector steps over the
        // padding vectors it does not reduce.
        if (step_last && !grp_end) begin
          w_ptr_q <= w_grp_q;
        end else if (inner_last) begin
          w_ptr_q <= w_ptr_q + 24'd1 + {16'd0, vskip_q};
        end else begin
          w_ptr_q <= w_ptr_q + 24'd1;
        end
        if (grp_end) begin
          w_grp_q <= w_ptr_q + 24'd1 + {16'd0, vskip_q};
        end
      end else if (grp_end) begin
        w_grp_q <= w_grp_q + {20'd0, nb_q};
      end
    end
  end

  //////////
  // Taps //
  //////////

  wire [3:0] tap_dy;
  wire [3:0] tap_dx;
  wire [5:0] pair_tap = tap_q + 6'd1;
  wire [3:0] pair_dy;
  wire [3:0] pair_dx;

  sushi_compute_tap_rom u_tap (
    .tap_i (tap_q),
    .dy_o  (tap_dy),
    .dx_o  (tap_dx)
  );

  sushi_compute_tap_rom u_pair_tap (
    .tap_i (pair_tap),
    .dy_o  (pair_dy),
    .dx_o  (pair_dx)
  );

  // Folded DWCONV: the upper half of the rows takes tap t + 1 when it continues a run: the
  // same row dy (one input row is read) and the same weight word (t / R).
  wire pair_ok = (pair_tap < tap_lim_q) && (pair_dy == tap_dy) &&
                 ((pair_tap >> LgR) == (tap_q >> LgR));
  assign tap_step = (fold_q && pair_ok) ? 6'd2 : 6'd1;

  /////////////
  // Outputs //
  /////////////

  wire [5:0] tap_word = tap_q >> LgR;

  assign empty_o      = (groups_i == 8'd0) || (row_lim_q == 8'd0) || (col_lim_q == 8'd0) ||
                        (tap_lim_q == 6'd0) || (inner_lim_q == 8'd0);
  assign step_valid_o = issue;
  assign step_first_o = step_first;
  assign step_last_o  = step_last;
  assign cmd_last_o   = grp_end && grp_last;
  assign grp_o        = grp_q;
  assign row_o        = row_q;
  assign col_o        = col_q;
  assign tap_o        = tap_q;
  assign inner_o      = inner_q;
  assign tap_dy_o     = tap_dy;
  assign tap_dx_o     = tap_dx;
  assign pair_dx_o    = pair_dx;
  assign pair_ok_o    = pair_ok;
  // CONV: the pointer; DWCONV: word t / R of the channel vector's ceil(T/R) (GAP: unused).
  assign w_word_o     = conv_i ? w_ptr_q : (w_grp_q + {18'd0, tap_word});
  assign fold_o       = fold_q;

  // Unused: high bits of the rounded-up divisions.
  wire unused_ok = &{1'b0, d_owb9[8], d_nb[6:4]};

endmodule

`default_nettype wire
