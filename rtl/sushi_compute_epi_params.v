// SPDX-License-Identifier: Apache-2.0
//
// sushi_compute_epi_params: the epilogue parameters of a window command: loads each group's
// EPI entries into one of two register banks ahead of the group, and tracks which bank is
// still in use.
//
// Contract:
// - Group n (CONV output group, DWCONV/GAP channel vector) uses bank n mod 2. A group has
//   EntriesPerGroup entries, EPI_ADDR + n*EntriesPerGroup + i (CONV: R, DWCONV/GAP: C);
//   entry i is {s[5:0], m[31:0], bias[31:0]} (70 bits) at par_o[70*(R*bank + i) +: 70].
// - setup_i (one cycle) restarts loading at group 0. While run_i is high, the loader loads
//   the groups in order, at most one ahead of the loop nest's group grp_i, into a bank once
//   no position of its previous group is in flight: one EPI read per cycle (epi_addr_o, data
//   on epi_rdata_i one cycle later), EntriesPerGroup reads and one more cycle per group.
// - grp_ready_o: the parameters of group grp_i are loaded; the loop nest holds a position's
//   last step until then. A bank is reloaded only when no position of its previous group is
//   in flight, so the epilogue finds a position's parameters unchanged in its bank.
// - In flight: a position counts from pos_issue_i (its last step issues; its bank is
//   grp_i[0]) until pos_done_i (the writer finished it; its bank pos_done_bank_i).
//   idle_o: no position in flight.

`default_nettype none

module sushi_compute_epi_params #(
  // MAC array rows R (power of two, 4..64)
  parameter integer ArrayRows = 16,
  // MAC array columns C (power of two, 2..R)
  parameter integer ArrayCols = 8,
  // Address width of EPI entries
  parameter integer EpiAW = 10
) (
  input  wire                      clk_i,
  input  wire                      rst_ni,
  input  wire                      abort_i,
  input  wire                      setup_i,
  input  wire                      run_i,
  // CONV: R entries per group; otherwise C
  input  wire                      conv_i,
  // Command fields (hold from setup_i to the end of the command)
  input  wire [15:0]               epi_addr_i,
  input  wire [7:0]                groups_i,
  // Group of the loop nest's step
  input  wire [7:0]                grp_i,
  output wire                      grp_ready_o,
  // Positions in flight
  input  wire                      pos_issue_i,
  input  wire                      pos_done_i,
  input  wire                      pos_done_bank_i,
  output wire                      idle_o,
  // EPI reads
  output wire [EpiAW-1:0]          epi_addr_o,
  input  wire [69:0]               epi_rdata_i,
  // Parameter banks
  output reg  [70*2*ArrayRows-1:0] par_o
);

  localparam integer R = ArrayRows;
  localparam integer C = ArrayCols;
  localparam integer LgR = $clog2(R);
  localparam integer LgC = $clog2(C);

  /////////////////////////
  // Positions in flight //
  /////////////////////////

  reg  [15:0] infl0_q;   // positions of bank-0 groups whose last step issued, not yet written
  reg  [15:0] infl1_q;   // the same for bank-1 groups

  wire pos_add0 = pos_issue_i && !grp_i[0];
  wire pos_add1 = pos_issue_i && grp_i[0];
  wire pos_sub0 = pos_done_i && !pos_done_bank_i;
  wire pos_sub1 = pos_done_i && pos_done_bank_i;

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i) begin
      infl0_q <= 16'd0;
      infl1_q <= 16'd0;
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
    end
  end

  assign idle_o = (infl0_q == 16'd0) && (infl1_q == 16'd0);

  ////////////
  // Loader //
  ////////////

  reg  [8:0]  ld_grp_q;   // groups loaded (the next group to load)
  reg         ld_busy_q;  // loading group ld_grp_q
  reg  [6:0]  ld_cnt_q;   // EPI reads issued for it
  reg         rd_v_q;     // an EPI read was issued last cycle
  reg  [6:0]  rd_idx_q;   // its entry index
  reg         rd_bank_q;  // its bank

  wire [6:0]  pnum = conv_i ? R[6:0] : C[6:0];
  wire [23:0] pbase = conv_i ? ({8'd0, epi_addr_i} + ({15'd0, ld_grp_q} << LgR)) :
                               ({8'd0, epi_addr_i} + ({15'd0, ld_grp_q} << LgC));
  wire [23:0] paddr = pbase + {17'd0, ld_cnt_q};
  wire        ld_bank = ld_grp_q[0];
  wire        ld_start = run_i && !ld_busy_q && (ld_grp_q < {1'b0, groups_i}) &&
                         ((ld_grp_q == {1'b0, grp_i}) || (ld_grp_q == {1'b0, grp_i} + 9'd1)) &&
                         ((ld_bank ? infl1_q : infl0_q) == 16'd0);
  wire        rd_issue = ld_busy_q && (ld_cnt_q != pnum);
  wire        ld_fin = ld_busy_q && (ld_cnt_q == pnum) && !rd_v_q;

  always @(posedge clk_i) begin
    if (!rst_ni || abort_i || setup_i) begin
      ld_grp_q  <= 9'd0;
      ld_busy_q <= 1'b0;
      ld_cnt_q  <= 7'd0;
      rd_v_q    <= 1'b0;
    end else begin
      rd_v_q    <= rd_issue;
      rd_idx_q  <= ld_cnt_q;
      rd_bank_q <= ld_bank;
      if (ld_start) begin
        ld_busy_q <= 1'b1;
        ld_cnt_q  <= 7'd0;
      end else if (ld_fin) begin
        ld_busy_q <= 1'b0;
        ld_grp_q  <= ld_grp_q + 9'd1;
      end else if (rd_issue) begin
        ld_cnt_q <= ld_cnt_q + 7'd1;
      end
    end
  end

  assign epi_addr_o  = paddr[EpiAW-1:0];
  assign grp_ready_o = ({1'b0, grp_i} < ld_grp_q);

  ///////////
  // Banks //
  ///////////

  // Plain registers (not a memory): the R epilogue lanes read them in parallel.
  genvar gp;
  generate
    for (gp = 0; gp < 2 * R; gp = gp + 1) begin : g_par
      always @(posedge clk_i) begin
        if (rd_v_q && ({rd_bank_q, rd_idx_q[LgR-1:0]} == gp[LgR:0])) begin
          par_o[70*gp +: 70] <= epi_rdata_i;
        end
      end
    end
  endgenerate

  // Unused: the index above the bank size, high bits of the address sum.
  wire unused_ok = &{1'b0, rd_idx_q, paddr};

endmodule

`default_nettype wire
