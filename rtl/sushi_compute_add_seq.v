// SPDX-License-Identifier: Apache-2.0
//
// sushi_compute_add_seq: the ADD command's block sequencer: reads A and B a block of R
// vectors at a time through ACT port A and hands each block to the epilogue.
//
// Contract:
// - cmd_accept_i (the engine accepts a command) loads VECTORS (vectors_i); the sequencer
//   runs while run_i is high (the engine's ADD state). a_addr_i, b_addr_i and out_addr_i
//   (vector addresses, multiples of R) hold for the whole command.
// - Block b (vectors b*R .. b*R+R-1, ceil(VECTORS/R) blocks) takes C+1 cycles: phase 0 reads
//   word A/R + b of every bank on rd_word_o, phase 1 word B/R + b (ACT port A, data one cycle
//   later). blk_valid_o pulses when the B data arrives; from the next cycle a_vecs_o and
//   b_vecs_o (vector r in bank r's C bytes), out_word_o (OUT/R + b) and out_mask_o (the
//   vectors below VECTORS) hold for the epilogue, which takes the block's C columns in the C
//   cycles after blk_valid_o; the next block's A data arrives only after that (the period
//   is C+1), so the epilogue needs no ready.
// - idle_o: every block was read and drain_busy_i (the epilogue or writer still holds part
//   of a block) is low.

`default_nettype none

module sushi_compute_add_seq #(
  // MAC array rows R (power of two, 4..64)
  parameter integer ArrayRows = 16,
  // MAC array columns C (power of two, 2..R)
  parameter integer ArrayCols = 8,
  // Address width of one ACT bank
  parameter integer BankAW = 10
) (
  input  wire                              clk_i,
  input  wire                              rst_ni,
  input  wire                              abort_i,
  // Command
  input  wire                              cmd_accept_i,
  input  wire [23:0]                       vectors_i,
  input  wire                              run_i,
  input  wire [23:0]                       a_addr_i,
  input  wire [23:0]                       b_addr_i,
  input  wire [23:0]                       out_addr_i,
  // ACT port A: the word every bank reads, and the data one cycle later
  output wire [BankAW-1:0]                 rd_word_o,
  input  wire [ArrayRows*ArrayCols*8-1:0]  act_rdata_i,
  // Block to the epilogue
  output wire                              blk_valid_o,
  output reg  [ArrayRows*ArrayCols*8-1:0]  a_vecs_o,
  output reg  [ArrayRows*ArrayCols*8-1:0]  b_vecs_o,
  output reg  [BankAW-1:0]                 out_word_o,
  output reg  [ArrayRows-1:0]              out_mask_o,
  // Completion
  input  wire                              drain_busy_i,
  output wire                              idle_o
);

  localparam integer R = ArrayRows;
  localparam integer C = ArrayCols;
  localparam integer LgR = $clog2(R);
  localparam integer LgC = $clog2(C);

  reg  [23:0]       blk_q;    // block being read
  reg  [23:0]       nblk_q;   // blocks of the command: ceil(VECTORS / R)
  reg  [LgC:0]      ph_q;     // cycle of the block's period, 0..C
  reg               a_rx_q;   // port A data of the block's A word arrives
  reg               b_rx_q;   // port A data of its B word arrives: the columns start
  reg  [23:0]       left_q;   // vectors of the command from this block on

  // A block's period: phase 0 reads its A word, phase 1 its B word; the A data is registered
  // in phase 1, the B data in phase 2, and the C columns enter E1 from phase 3. The next
  // block's A word may overwrite a_vecs_o only after the last column has used it: C+1 cycles.
  wire        go = run_i && (blk_q != nblk_q);
  wire [24:0] nblk_d = ({1'b0, vectors_i} + R[24:0] - 25'd1) >> LgR;
  wire [23:0] rd_word = ((ph_q == {(LgC+1){1'b0}}) ? (a_addr_i >> LgR) : (b_addr_i >> LgR)) +
                        blk_q;
  integer ami;

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      a_rx_q <= 1'b0;
      b_rx_q <= 1'b0;
    end else begin
      a_rx_q <= go && (ph_q == {(LgC+1){1'b0}});
      b_rx_q <= go && (ph_q == {{LgC{1'b0}}, 1'b1});
    end
    if (cmd_accept_i) begin
      blk_q  <= 24'd0;
      nblk_q <= nblk_d[23:0];
      ph_q   <= {(LgC+1){1'b0}};
      left_q <= vectors_i;
    end else if (go) begin
      if (ph_q == C[LgC:0]) begin
        ph_q   <= {(LgC+1){1'b0}};
        blk_q  <= blk_q + 24'd1;
        left_q <= left_q - R[23:0];
      end else begin
        ph_q <= ph_q + 1'b1;
      end
    end
    if (a_rx_q) begin
      a_vecs_o <= act_rdata_i;
    end
    if (b_rx_q) begin
      b_vecs_o <= act_rdata_i;
    end
    // The block's output placement, for E1 (the previous block's columns have all entered).
    if (b_rx_q) begin
      out_word_o <= out_addr_i[LgR +: BankAW] + blk_q[BankAW-1:0];
      for (ami = 0; ami < R; ami = ami + 1) begin
        out_mask_o[ami] <= (left_q > ami[23:0]);
      end
    end
  end

  assign rd_word_o   = rd_word[BankAW-1:0];
  assign blk_valid_o = b_rx_q;
  assign idle_o      = (blk_q == nblk_q) && !a_rx_q && !b_rx_q && !drain_busy_i;

  // Unused: high bits of the address sums, the output address outside its bank word.
  wire unused_ok = &{1'b0, rd_word, nblk_d, out_addr_i};

endmodule

`default_nettype wire
