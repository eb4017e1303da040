// SPDX-License-Identifier: Apache-2.0
//
// sushi_compute_act_writer: writes the epilogue's output bytes to ACT through port B.
//
// Contract:
// - in_*_i is the epilogue's E4 output (valid-only: the loop nest's Pmin pacing and the ADD
//   block period leave the writer free whenever in_valid_i rises, so there is no ready).
//   in_tag_i = {parameter bank, output word, output bank, row mask}.
// - CONV, GAP (vec_i low): in_valid_i brings one position's R bytes. They are written as
//   R/C vectors (CONV; GAP one), one per cycle from the next cycle, vector u to bank
//   `output bank`, word `output word + u`.
// - DWCONV, ADD (vec_i high): in_valid_i brings column in_col_i of R vectors (byte r of
//   vector r); the cycle after the last column (in_last_col_i), the R vectors are written in
//   one cycle, vector r to bank r, word `output word`, where the row mask is set.
// - act_we_o/act_addr_o/act_wdata_o drive ACT port B; sushi_top gives them priority, so a
//   write is never refused.
// - pos_done_o pulses in the cycle of a position's (or ADD block's) last write, with its
//   parameter bank on pos_done_bank_o. vec_busy_o: a DWCONV/ADD write is in this cycle.

`default_nettype none

module sushi_compute_act_writer #(
  // MAC array rows R (power of two, 4..64)
  parameter integer ArrayRows = 16,
  // MAC array columns C (power of two, 2..R)
  parameter integer ArrayCols = 8,
  // Address width of one ACT bank
  parameter integer BankAW = 10,
  // Width of in_tag_i: 1 + BankAW + log2(R) + R
  parameter integer TagW = 1 + BankAW + 4 + 16
) (
  input  wire                               clk_i,
  input  wire                               rst_ni,
  input  wire                               abort_i,
  // CONV: R/C vectors per position (with vec_i low; otherwise one)
  input  wire                               conv_i,
  // DWCONV, ADD: outputs arrive by columns of R vectors
  input  wire                               vec_i,
  // Epilogue output (E4)
  input  wire                               in_valid_i,
  input  wire                               in_last_col_i,
  input  wire [$clog2(ArrayCols)-1:0]       in_col_i,
  input  wire [ArrayRows*8-1:0]             in_bytes_i,
  input  wire [TagW-1:0]                    in_tag_i,
  // ACT port B writes
  output reg  [ArrayRows-1:0]               act_we_o,
  output reg  [ArrayRows*BankAW-1:0]        act_addr_o,
  output reg  [ArrayRows*ArrayCols*8-1:0]   act_wdata_o,
  // A position's last write
  output wire                               pos_done_o,
  output wire                               pos_done_bank_o,
  output wire                               vec_busy_o
);

  localparam integer R = ArrayRows;
  localparam integer C = ArrayCols;
  localparam integer LgR = $clog2(R);
  localparam integer LgC = $clog2(C);
  localparam integer RC = R / C;
  localparam integer RCBits = $clog2(RC) + 1;

  reg  [R*8-1:0]    pos_buf_q;      // CONV/GAP: the R output bytes of a position
  reg  [R*C*8-1:0]  vec_buf_q;      // DWCONV/ADD: R output vectors
  reg  [RCBits-1:0] pos_left_q;     // CONV/GAP: vector writes left
  reg  [RCBits-1:0] pos_u_q;        // CONV/GAP: the vector written
  reg  [BankAW-1:0] wr_word_q;      // output word (CONV/GAP: of vector 0)
  reg  [LgR-1:0]    wr_obank_q;     // CONV/GAP: output bank
  reg               vec_wr_q;       // DWCONV/ADD: the R vectors are written this cycle
  reg  [R-1:0]      vec_mask_q;     // DWCONV/ADD: the vectors written
  reg               wr_par_bank_q;  // parameter bank of the position

  wire [RCBits-1:0] pos_n = conv_i ? RC[RCBits-1:0] : {{(RCBits-1){1'b0}}, 1'b1};
  wire              pos_wr = (pos_left_q != {RCBits{1'b0}});

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      pos_left_q <= {RCBits{1'b0}};
      vec_wr_q   <= 1'b0;
    end else begin
      if (in_valid_i && !vec_i) begin
        pos_left_q <= pos_n;
      end else if (pos_wr) begin
        pos_left_q <= pos_left_q - 1'b1;
      end
      vec_wr_q <= in_valid_i && in_last_col_i && vec_i;
    end
    if (in_valid_i) begin
      pos_buf_q     <= in_bytes_i;
      pos_u_q       <= {RCBits{1'b0}};
      wr_word_q     <= in_tag_i[LgR + R +: BankAW];
      wr_obank_q    <= in_tag_i[R +: LgR];
      vec_mask_q    <= in_tag_i[R-1:0];
      wr_par_bank_q <= in_tag_i[TagW-1];
    end else if (pos_wr) begin
      pos_u_q <= pos_u_q + 1'b1;
    end
  end

  genvar gdr;
  genvar gdc;
  generate
    for (gdr = 0; gdr < R; gdr = gdr + 1) begin : g_vec_row
      for (gdc = 0; gdc < C; gdc = gdc + 1) begin : g_vec_col
        always @(posedge clk_i) begin
          if (in_valid_i && vec_i && (in_col_i == gdc[LgC-1:0])) begin
            vec_buf_q[8*(C*gdr+gdc) +: 8] <= in_bytes_i[8*gdr +: 8];
          end
        end
      end
    end
  endgenerate

  reg [8*C-1:0] pos_vec;   // vector pos_u_q of the position buffer
  integer wui;
  always @* begin
    pos_vec = {8*C{1'b0}};
    for (wui = 0; wui < RC; wui = wui + 1) begin
      if (pos_u_q == wui[RCBits-1:0]) begin
        pos_vec = pos_vec | pos_buf_q[8*C*wui +: 8*C];
      end
    end
  end

  integer wb;
  always @* begin
    act_we_o    = {R{1'b0}};
    act_addr_o  = {R*BankAW{1'b0}};
    act_wdata_o = {R*C*8{1'b0}};
    for (wb = 0; wb < R; wb = wb + 1) begin
      if (vec_wr_q) begin
        act_we_o[wb] = vec_mask_q[wb];
        act_addr_o[BankAW*wb +: BankAW] = wr_word_q;
        act_wdata_o[8*C*wb +: 8*C] = vec_buf_q[8*C*wb +: 8*C];
      end else begin
        act_we_o[wb] = pos_wr && (wr_obank_q == wb[LgR-1:0]);
        act_addr_o[BankAW*wb +: BankAW] = wr_word_q + {{(BankAW-RCBits){1'b0}}, pos_u_q};
        act_wdata_o[8*C*wb +: 8*C] = pos_vec;
      end
    end
  end

  assign pos_done_o      = (pos_wr && (pos_left_q == {{(RCBits-1){1'b0}}, 1'b1})) || vec_wr_q;
  assign pos_done_bank_o = wr_par_bank_q;
  assign vec_busy_o      = vec_wr_q;

endmodule

`default_nettype wire
