// SPDX-License-Identifier: Apache-2.0
//
// sushi_compute: the compute engine (CONV, DWCONV, GAP, ADD): takes a command, sequences it,
// and wires the blocks that execute it.
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
//
// Blocks (a window step flows top to bottom; ADD skips the first four):
//   sushi_compute_loop_nest    S1: which step issues (loop counters, pacing, weight word)
//   sushi_compute_addr_gen     S1..S2: input positions, bounds, memory addresses, output place
//   sushi_compute_operand_sel  S3: read data to cell operands
//   sushi_compute_mac_array    S4..S6: products, accumulators, snapshot
//   sushi_compute_epi_params   EPI entries into two parameter banks, positions in flight
//   sushi_compute_add_seq      ADD: reads A and B by blocks of R vectors
//   sushi_compute_epilogue     E1..E4: bias, requantisation, clamp (R sushi_compute_epi_lane)
//   sushi_compute_act_writer   ACT port B writes
//
// Output placement tag (carried from S2 to the writer): {parameter bank (group mod 2),
// output word, output bank, output row mask}, TagW = 1 + BankAW + log2(R) + R bits.

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
  output wire [ArrayRows-1:0]             act_b_we_o,
  output wire [ArrayRows*BankAW-1:0]      act_b_addr_o,
  output wire [ArrayRows*ArrayCols*8-1:0] act_b_wdata_o,
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
  localparam integer TagW = 1 + BankAW + LgR + R;

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

  /////////////
  // Command //
  /////////////

  reg  [2:0]  st_q;
  reg  [1:0]  mode_q;
  // Window command fields (ADDR fields as bank words: the address / R).
  reg  [23:0] in_word_q;
  reg  [3:0]  k_q;
  reg         stride2_q;
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
  // Clamp bounds (both formats, at different offsets).
  reg  [7:0]  clamp_lo_q;
  reg  [7:0]  clamp_hi_q;
  // ADD command fields (vector addresses).
  reg  [23:0] add_a_q;
  reg  [23:0] add_b_q;
  reg  [23:0] add_o_q;
  reg  [31:0] add_ma_q;
  reg  [31:0] add_mb_q;
  reg  [5:0]  add_s_q;

  wire [7:0]  c_op = cmd_i[7:0];
  wire        accept = cmd_valid_i && (st_q == SIdle);
  wire        is_add_cmd = (c_op == OP_ADD);

  always @(posedge clk_i) begin
    if (accept) begin
      mode_q     <= (c_op == OP_CONV) ? MConv : (c_op == OP_DWCONV) ? MDw :
                    (c_op == OP_GAP) ? MGap : MAdd;
      in_word_q  <= {{LgR{1'b0}}, cmd_i[32*1 + LgR +: 24 - LgR]};
      k_q        <= cmd_i[32*1 + 24 +: 4];
      stride2_q  <= cmd_i[32*1 + 28 +: 2] == 2'd2;
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
      clamp_lo_q <= is_add_cmd ? cmd_i[32*7 + 8 +: 8] : cmd_i[32*7 +: 8];
      clamp_hi_q <= is_add_cmd ? cmd_i[32*7 + 16 +: 8] : cmd_i[32*7 + 8 +: 8];
      add_a_q    <= cmd_i[32*1 +: 24];
      add_b_q    <= cmd_i[32*2 +: 24];
      add_o_q    <= cmd_i[32*3 +: 24];
      add_ma_q   <= cmd_i[32*5 +: 32];
      add_mb_q   <= cmd_i[32*6 +: 32];
      add_s_q    <= cmd_i[32*7 +: 6];
    end
  end

  wire mode_conv = (mode_q == MConv);
  wire mode_dw   = (mode_q == MDw);
  wire mode_gap  = (mode_q == MGap);
  wire mode_add  = (mode_q == MAdd);

  ///////////////////
  // Engine states //
  ///////////////////

  wire nest_empty;     // the window command has an empty loop
  wire step_valid;     // a step issues
  wire step_last;      // ... the last of its position
  wire step_cmd_last;  // ... the last of the command
  wire par_idle;       // no window position in flight
  wire add_idle;       // ADD: every block read and written

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      st_q <= SIdle;
    end else begin
      case (st_q)
        // SIdle: waits for a command.
        SIdle: begin
          if (accept) begin
            st_q <= is_add_cmd ? SAdd : SSetup;
          end
        end
        // SSetup: the loop nest, address generator and parameter loader load the command.
        SSetup: begin
          st_q <= SCheck;
        end
        // SCheck: a command with an empty loop issues nothing.
        SCheck: begin
          st_q <= nest_empty ? SFlush : SRun;
        end
        // SRun: steps issue until the last one.
        SRun: begin
          if (step_valid && step_cmd_last) begin
            st_q <= SFlush;
          end
        end
        // SFlush: waits until every position issued has been written.
        SFlush: begin
          if (par_idle) begin
            st_q <= SIdle;
          end
        end
        // SAdd: waits until the ADD sequencer has written every block.
        SAdd: begin
          if (add_idle) begin
            st_q <= SIdle;
          end
        end
        default: st_q <= SIdle;
      endcase
    end
  end

  wire st_setup = (st_q == SSetup);

  ///////////////
  // Loop nest //
  ///////////////

  wire        grp_par_ready;
  wire        step_first;
  wire [7:0]  step_grp;
  wire [7:0]  step_row;
  wire [7:0]  step_col;
  wire [5:0]  step_tap;
  wire [7:0]  step_inner;
  wire [3:0]  step_dy;
  wire [3:0]  step_dx;
  wire [3:0]  step_pair_dx;
  wire        step_pair_ok;
  wire [23:0] step_w_word;
  wire        fold;

  sushi_compute_loop_nest #(
    .ArrayRows (R),
    .ArrayCols (C)
  ) u_loops (
    .clk_i           (clk_i),
    .rst_ni          (rst_ni),
    .abort_i         (abort_i),
    .setup_i         (st_setup),
    .run_i           (st_q == SRun),
    .conv_i          (mode_conv),
    .dw_i            (mode_dw),
    .gap_i           (mode_gap),
    .k_i             (k_q),
    .stride2_i       (stride2_q),
    .in_h_i          (in_h_q),
    .in_w_i          (in_w_q),
    .in_cv_i         (in_cv_q),
    .in_vec_i        (in_vec_q),
    .out_rows_i      (out_rows_q),
    .groups_i        (groups_q),
    .w_addr_i        (w_addr_q),
    .grp_par_ready_i (grp_par_ready),
    .empty_o         (nest_empty),
    .step_valid_o    (step_valid),
    .step_first_o    (step_first),
    .step_last_o     (step_last),
    .cmd_last_o      (step_cmd_last),
    .grp_o           (step_grp),
    .row_o           (step_row),
    .col_o           (step_col),
    .tap_o           (step_tap),
    .inner_o         (step_inner),
    .tap_dy_o        (step_dy),
    .tap_dx_o        (step_dx),
    .pair_dx_o       (step_pair_dx),
    .pair_ok_o       (step_pair_ok),
    .w_word_o        (step_w_word),
    .fold_o          (fold)
  );

  ///////////////////////
  // S1..S2: addresses //
  ///////////////////////

  wire [R*BankAW-1:0] win_act_addr;
  wire                s2_valid;
  wire                s2_first;
  wire                s2_last;
  wire [LgR-1:0]      s2_xbank;
  wire [LgR-1:0]      s2_wrow;
  wire [R*LgR-1:0]    s2_row_bank;
  wire [R-1:0]        s2_cellv;
  wire [TagW-1:0]     s2_tag;

  sushi_compute_addr_gen #(
    .ArrayRows   (R),
    .ArrayCols   (C),
    .BankAW      (BankAW),
    .WAW         (WAW),
    .MacsIncBits (MacsIncBits),
    .TagW        (TagW)
  ) u_addr (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .abort_i        (abort_i),
    .setup_i        (st_setup),
    .conv_i         (mode_conv),
    .dw_i           (mode_dw),
    .gap_i          (mode_gap),
    .in_word_i      (in_word_q),
    .stride2_i      (stride2_q),
    .in_h_i         (in_h_q),
    .in_w_i         (in_w_q),
    .in_cv_i        (in_cv_q),
    .in_row0_i      (in_row0_q),
    .out_word_i     (out_word_q),
    .out_cv_i       (out_cv_q),
    .out_row0_i     (out_row0_q),
    .fold_i         (fold),
    .step_valid_i   (step_valid),
    .step_first_i   (step_first),
    .step_last_i    (step_last),
    .step_grp_i     (step_grp),
    .step_row_i     (step_row),
    .step_col_i     (step_col),
    .step_tap_i     (step_tap),
    .step_inner_i   (step_inner),
    .step_dy_i      (step_dy),
    .step_dx_i      (step_dx),
    .step_pair_dx_i (step_pair_dx),
    .step_pair_ok_i (step_pair_ok),
    .step_w_word_i  (step_w_word),
    .macs_inc_o     (macs_inc_o),
    .act_addr_o     (win_act_addr),
    .w_addr_o       (w_addr_o),
    .s2_valid_o     (s2_valid),
    .s2_first_o     (s2_first),
    .s2_last_o      (s2_last),
    .s2_xbank_o     (s2_xbank),
    .s2_wrow_o      (s2_wrow),
    .s2_row_bank_o  (s2_row_bank),
    .s2_cellv_o     (s2_cellv),
    .s2_tag_o       (s2_tag)
  );

  /////////////////////////////
  // S3..S6: operands, array //
  /////////////////////////////

  wire                s3_valid;
  wire                s3_first;
  wire                s3_last;
  wire [TagW-1:0]     s3_tag;
  wire [R*C*8-1:0]    op_x;
  wire [R*C*8-1:0]    op_w;
  wire                snap_valid;
  wire [R*C*32-1:0]   snap_acc;
  wire [TagW-1:0]     snap_tag;

  sushi_compute_operand_sel #(
    .ArrayRows (R),
    .ArrayCols (C),
    .TagW      (TagW)
  ) u_ops (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .abort_i       (abort_i),
    .dw_i          (mode_dw),
    .gap_i         (mode_gap),
    .fold_i        (fold),
    .s2_valid_i    (s2_valid),
    .s2_first_i    (s2_first),
    .s2_last_i     (s2_last),
    .s2_xbank_i    (s2_xbank),
    .s2_wrow_i     (s2_wrow),
    .s2_row_bank_i (s2_row_bank),
    .s2_cellv_i    (s2_cellv),
    .s2_tag_i      (s2_tag),
    .act_rdata_i   (act_a_rdata_i),
    .w_rdata_i     (wmem_rdata_i),
    .s3_valid_o    (s3_valid),
    .s3_first_o    (s3_first),
    .s3_last_o     (s3_last),
    .s3_tag_o      (s3_tag),
    .op_x_o        (op_x),
    .op_w_o        (op_w)
  );

  sushi_compute_mac_array #(
    .ArrayRows (R),
    .ArrayCols (C),
    .TagW      (TagW)
  ) u_array (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .abort_i      (abort_i),
    .op_valid_i   (s3_valid),
    .op_first_i   (s3_first),
    .op_last_i    (s3_last),
    .op_tag_i     (s3_tag),
    .op_x_i       (op_x),
    .op_w_i       (op_w),
    .snap_valid_o (snap_valid),
    .snap_acc_o   (snap_acc),
    .snap_tag_o   (snap_tag)
  );

  /////////////////////////
  // Epilogue parameters //
  /////////////////////////

  wire [70*2*R-1:0] par;
  wire              pos_done;       // the writer finished a position (or an ADD block)
  wire              pos_done_bank;  // its parameter bank

  sushi_compute_epi_params #(
    .ArrayRows (R),
    .ArrayCols (C),
    .EpiAW     (EpiAW)
  ) u_params (
    .clk_i           (clk_i),
    .rst_ni          (rst_ni),
    .abort_i         (abort_i),
    .setup_i         (st_setup),
    .run_i           (st_q == SRun),
    .conv_i          (mode_conv),
    .epi_addr_i      (epi_addr_q),
    .groups_i        (groups_q),
    .grp_i           (step_grp),
    .grp_ready_o     (grp_par_ready),
    .pos_issue_i     (step_valid && step_last),
    .pos_done_i      (pos_done && !mode_add),
    .pos_done_bank_i (pos_done_bank),
    .idle_o          (par_idle),
    .epi_addr_o      (epi_addr_o),
    .epi_rdata_i     (epi_rdata_i),
    .par_o           (par)
  );

  /////////
  // ADD //
  /////////

  wire [BankAW-1:0] add_rd_word;
  wire              add_blk_valid;
  wire [R*C*8-1:0]  add_a_vecs;
  wire [R*C*8-1:0]  add_b_vecs;
  wire [BankAW-1:0] add_out_word;
  wire [R-1:0]      add_out_mask;
  wire              epi_busy;
  wire              wr_vec_busy;

  sushi_compute_add_seq #(
    .ArrayRows (R),
    .ArrayCols (C),
    .BankAW    (BankAW)
  ) u_add (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .abort_i      (abort_i),
    .cmd_accept_i (accept),
    .vectors_i    (cmd_i[32*4 +: 24]),
    .run_i        (st_q == SAdd),
    .a_addr_i     (add_a_q),
    .b_addr_i     (add_b_q),
    .out_addr_i   (add_o_q),
    .rd_word_o    (add_rd_word),
    .act_rdata_i  (act_a_rdata_i),
    .blk_valid_o  (add_blk_valid),
    .a_vecs_o     (add_a_vecs),
    .b_vecs_o     (add_b_vecs),
    .out_word_o   (add_out_word),
    .out_mask_o   (add_out_mask),
    .drain_busy_i (epi_busy || wr_vec_busy),
    .idle_o       (add_idle)
  );

  // ACT port A: the ADD sequencer's word in every bank, or the window step's addresses.
  integer ab;
  always @* begin
    for (ab = 0; ab < R; ab = ab + 1) begin
      act_a_addr_o[BankAW*ab +: BankAW] = mode_add ? add_rd_word :
                                          win_act_addr[BankAW*ab +: BankAW];
    end
  end

  //////////////////////
  // Epilogue, writer //
  //////////////////////

  wire                 e4_valid;
  wire                 e4_last_col;
  wire [$clog2(C)-1:0] e4_col;
  wire [R*8-1:0]       e4_bytes;
  wire [TagW-1:0]      e4_tag;

  sushi_compute_epilogue #(
    .ArrayRows (R),
    .ArrayCols (C),
    .BankAW    (BankAW),
    .TagW      (TagW)
  ) u_epi (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .abort_i        (abort_i),
    .dw_i           (mode_dw),
    .add_i          (mode_add),
    .fold_i         (fold),
    .lo_i           (clamp_lo_q),
    .hi_i           (clamp_hi_q),
    .add_ma_i       (add_ma_q),
    .add_mb_i       (add_mb_q),
    .add_s_i        (add_s_q),
    .par_i          (par),
    .snap_valid_i   (snap_valid),
    .snap_acc_i     (snap_acc),
    .snap_tag_i     (snap_tag),
    .add_valid_i    (add_blk_valid),
    .add_a_i        (add_a_vecs),
    .add_b_i        (add_b_vecs),
    .add_word_i     (add_out_word),
    .add_mask_i     (add_out_mask),
    .out_valid_o    (e4_valid),
    .out_last_col_o (e4_last_col),
    .out_col_o      (e4_col),
    .out_bytes_o    (e4_bytes),
    .out_tag_o      (e4_tag),
    .busy_o         (epi_busy)
  );

  sushi_compute_act_writer #(
    .ArrayRows (R),
    .ArrayCols (C),
    .BankAW    (BankAW),
    .TagW      (TagW)
  ) u_writer (
    .clk_i           (clk_i),
    .rst_ni          (rst_ni),
    .abort_i         (abort_i),
    .conv_i          (mode_conv),
    .vec_i           (mode_dw || mode_add),
    .in_valid_i      (e4_valid),
    .in_last_col_i   (e4_last_col),
    .in_col_i        (e4_col),
    .in_bytes_i      (e4_bytes),
    .in_tag_i        (e4_tag),
    .act_we_o        (act_b_we_o),
    .act_addr_o      (act_b_addr_o),
    .act_wdata_o     (act_b_wdata_o),
    .pos_done_o      (pos_done),
    .pos_done_bank_o (pos_done_bank),
    .vec_busy_o      (wr_vec_busy)
  );

  assign cmd_ready_o = (st_q == SIdle);
  assign busy_o      = (st_q != SIdle);
  assign done_o      = ((st_q == SFlush) && par_idle) || ((st_q == SAdd) && add_idle);

  // Unused: command bits of other formats.
  wire unused_ok = &{1'b0, cmd_i};

endmodule

`default_nettype wire
