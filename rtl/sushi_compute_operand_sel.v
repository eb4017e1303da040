// SPDX-License-Identifier: Apache-2.0
//
// sushi_compute_operand_sel: pipeline stage S3 of a window command: routes the ACT and WMEM
// read data to the operands of every MAC cell.
//
// Contract:
// - s2_*_i is the step whose reads sushi_compute_addr_gen presents this cycle (valid-only, no
//   stall). Its selects and tag are registered here (S3) to meet the read data, which arrives
//   one cycle later on act_rdata_i / w_rdata_i; the operands op_x_o / op_w_o are then
//   combinational, with s3_*_o describing their step.
// - Row r's input vector (op_x_o, C bytes) is the ACT bank s3 xbank (CONV, GAP: one bank read,
//   broadcast to every row) or the row's own bank (DWCONV), zero where the row's cell is not
//   valid (padding). Weights (op_w_o, cell (r, c)): CONV the WMEM word's byte r*C + c;
//   DWCONV row t mod R of the word, broadcast to every row (folded: the upper half of the rows
//   take row (t + 1) mod R, the second tap); GAP the identity (1 where r = c).

`default_nettype none

module sushi_compute_operand_sel #(
  // MAC array rows R (power of two, 4..64)
  parameter integer ArrayRows = 16,
  // MAC array columns C (power of two, 2..R)
  parameter integer ArrayCols = 8,
  // Width of the output placement tag carried with a step
  parameter integer TagW = 31
) (
  input  wire                                   clk_i,
  input  wire                                   rst_ni,
  input  wire                                   abort_i,
  // Operator of the command (CONV when neither)
  input  wire                                   dw_i,
  input  wire                                   gap_i,
  input  wire                                   fold_i,
  // S2: the step whose reads are presented this cycle
  input  wire                                   s2_valid_i,
  input  wire                                   s2_first_i,
  input  wire                                   s2_last_i,
  input  wire [$clog2(ArrayRows)-1:0]           s2_xbank_i,
  input  wire [$clog2(ArrayRows)-1:0]           s2_wrow_i,
  input  wire [ArrayRows*$clog2(ArrayRows)-1:0] s2_row_bank_i,
  input  wire [ArrayRows-1:0]                   s2_cellv_i,
  input  wire [TagW-1:0]                        s2_tag_i,
  // S3: read data
  input  wire [ArrayRows*ArrayCols*8-1:0]       act_rdata_i,
  input  wire [ArrayRows*ArrayCols*8-1:0]       w_rdata_i,
  // S3: the step and its operands
  output reg                                    s3_valid_o,
  output reg                                    s3_first_o,
  output reg                                    s3_last_o,
  output reg  [TagW-1:0]                        s3_tag_o,
  output wire [ArrayRows*ArrayCols*8-1:0]       op_x_o,
  output wire [ArrayRows*ArrayCols*8-1:0]       op_w_o
);

  localparam integer R = ArrayRows;
  localparam integer C = ArrayCols;
  localparam integer LgR = $clog2(R);

  reg  [LgR-1:0]     s3_xbank;
  reg  [LgR-1:0]     s3_wrow;
  reg  [R*LgR-1:0]   s3_row_bank;
  reg  [R-1:0]       s3_cellv;

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      s3_valid_o <= 1'b0;
    end else begin
      s3_valid_o <= s2_valid_i;
    end
    s3_first_o  <= s2_first_i;
    s3_last_o   <= s2_last_i;
    s3_tag_o    <= s2_tag_i;
    s3_xbank    <= s2_xbank_i;
    s3_wrow     <= s2_wrow_i;
    s3_row_bank <= s2_row_bank_i;
    s3_cellv    <= s2_cellv_i;
  end

  // Variable selects are written as one-hot mux loops: Yosys 0.23 would build full-width
  // barrel shifters for part selects with a variable base.
  // DWCONV weight rows: wrow_f[0] is row t mod R, for the lower half of the rows; wrow_f[1]
  // the upper half's, row (t + 1) mod R when folded (the pair's second tap), else the same row.
  // (Selecting per half, not per row, keeps a 2:1 multiplexer off every upper row.)
  reg  [2*C*8-1:0] wrow_f;
  reg  [LgR-1:0]   wrow_sel;
  integer wri;
  integer wrf;
  always @* begin
    wrow_f = {2*C*8{1'b0}};
    for (wrf = 0; wrf < 2; wrf = wrf + 1) begin
      wrow_sel = s3_wrow + ((fold_i && (wrf == 1)) ? {{(LgR-1){1'b0}}, 1'b1} : {LgR{1'b0}});
      for (wri = 0; wri < R; wri = wri + 1) begin
        if (wrow_sel == wri[LgR-1:0]) begin
          wrow_f[8*C*wrf +: 8*C] = wrow_f[8*C*wrf +: 8*C] | w_rdata_i[8*C*wri +: 8*C];
        end
      end
    end
  end

  genvar gor;
  genvar goc;
  generate
    for (gor = 0; gor < R; gor = gor + 1) begin : g_op
      localparam integer Upper = gor / (R / 2);
      wire [LgR-1:0] bsel = !dw_i ? s3_xbank : s3_row_bank[LgR*gor +: LgR];
      wire [C*8-1:0] wrow = wrow_f[8*C*Upper +: 8*C];
      reg  [C*8-1:0] xv;
      integer xbi;
      always @* begin
        xv = {C*8{1'b0}};
        for (xbi = 0; xbi < R; xbi = xbi + 1) begin
          if (bsel == xbi[LgR-1:0]) begin
            xv = xv | act_rdata_i[8*C*xbi +: 8*C];
          end
        end
      end
      assign op_x_o[8*C*gor +: 8*C] = s3_cellv[gor] ? xv : {8*C{1'b0}};
      for (goc = 0; goc < C; goc = goc + 1) begin : g_opc
        assign op_w_o[8*(C*gor+goc) +: 8] = dw_i ? wrow[8*goc +: 8] :
                                            gap_i ? ((gor == goc) ? 8'd1 : 8'd0) :
                                            w_rdata_i[8*(C*gor+goc) +: 8];
      end
    end
  endgenerate

endmodule

`default_nettype wire
