// SPDX-License-Identifier: Apache-2.0
//
// sushi_rd_arb: shares one AXI4 read channel (no IDs) between two requesters.
//
// Contract:
// - Each requester k (0: command fetcher, priority; 1: DMA engine) presents a burst on
//   rqK_valid_i/addr/len and holds it, payload stable, until rqK_ready_o. The arbiter copies
//   the granted burst into its AR output register (valid until m_arready_i), so a requester's
//   handshake never depends combinationally on the slave.
// - At most MaxOutstanding bursts are in flight, counted from the grant until the last R
//   beat. The owner of each granted burst is queued; R beats (in order, AXI without IDs) are
//   routed to the owner at the queue head: rK_valid_o = m_rvalid_i for the owner, and
//   m_rready_o = the owner's rK_ready_i. RLAST pops the owner.
// - outstanding_o: some granted burst has been accepted (AR handshake done) and its last R beat
//   has not arrived (for READ_WAIT_CYCLES).

`default_nettype none

module sushi_rd_arb #(
  // Width of a byte address in bits
  parameter integer AddrBits = 32,
  // Read bursts in flight at most (1..16)
  parameter integer MaxOutstanding = 4
) (
  input  wire                clk_i,
  input  wire                rst_ni,
  // Requester 0
  input  wire                rq0_valid_i,
  output wire                rq0_ready_o,
  input  wire [AddrBits-1:0] rq0_addr_i,
  input  wire [7:0]          rq0_len_i,
  output wire                r0_valid_o,
  input  wire                r0_ready_i,
  // Requester 1
  input  wire                rq1_valid_i,
  output wire                rq1_ready_o,
  input  wire [AddrBits-1:0] rq1_addr_i,
  input  wire [7:0]          rq1_len_i,
  output wire                r1_valid_o,
  input  wire                r1_ready_i,
  // AXI read address / data handshakes
  output wire                m_arvalid_o,
  input  wire                m_arready_i,
  output wire [AddrBits-1:0] m_araddr_o,
  output wire [7:0]          m_arlen_o,
  input  wire                m_rvalid_i,
  input  wire                m_rlast_i,
  output wire                m_rready_o,
  output wire                outstanding_o
);

  localparam integer CntBits = $clog2(MaxOutstanding + 1);
  localparam integer QDepth = (MaxOutstanding < 2) ? 2 : (1 << $clog2(MaxOutstanding));
  localparam [CntBits-1:0] CntMax = MaxOutstanding[CntBits-1:0];

  reg                arvalid_q;
  reg [AddrBits-1:0] araddr_q;
  reg [7:0]          arlen_q;
  reg [CntBits-1:0]  inflight_q;   // granted, last R beat not received
  reg [CntBits-1:0]  accepted_q;   // AR accepted, last R beat not received

  wire [$clog2(QDepth):0] own_cnt;
  wire                    own_head;
  wire                    own_full;
  wire                    slot_free = !arvalid_q || m_arready_i;
  wire                    r_hs = m_rvalid_i && m_rready_o;
  wire                    r_done = r_hs && m_rlast_i;
  wire                    credit = (inflight_q < CntMax) || r_done;
  wire                    grant0 = slot_free && credit && rq0_valid_i;
  wire                    grant1 = slot_free && credit && !rq0_valid_i && rq1_valid_i;
  wire                    grant = grant0 || grant1;
  wire                    ar_hs = arvalid_q && m_arready_i;

  assign rq0_ready_o = grant0;
  assign rq1_ready_o = grant1;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      arvalid_q  <= 1'b0;
      inflight_q <= {CntBits{1'b0}};
      accepted_q <= {CntBits{1'b0}};
    end else begin
      if (grant) begin
        arvalid_q <= 1'b1;
      end else if (m_arready_i) begin
        arvalid_q <= 1'b0;
      end
      if (grant && !r_done) begin
        inflight_q <= inflight_q + 1'b1;
      end else if (!grant && r_done) begin
        inflight_q <= inflight_q - 1'b1;
      end
      if (ar_hs && !r_done) begin
        accepted_q <= accepted_q + 1'b1;
      end else if (!ar_hs && r_done) begin
        accepted_q <= accepted_q - 1'b1;
      end
    end
  end

  always @(posedge clk_i) begin
    if (grant) begin
      araddr_q <= grant0 ? rq0_addr_i : rq1_addr_i;
      arlen_q  <= grant0 ? rq0_len_i : rq1_len_i;
    end
  end

  sushi_fifo #(
    .Width (1),
    .Depth (QDepth)
  ) u_owner (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .clear_i     (1'b0),
    .push_i      (grant),
    .push_data_i (grant1),
    .pop_i       (r_done),
    .head_o      (own_head),
    .count_o     (own_cnt),
    .full_o      (own_full)
  );

  wire own_any = (own_cnt != 0);
  assign r0_valid_o = m_rvalid_i && own_any && !own_head;
  assign r1_valid_o = m_rvalid_i && own_any && own_head;
  assign m_rready_o = own_any && (own_head ? r1_ready_i : r0_ready_i);
  assign m_arvalid_o = arvalid_q;
  assign m_araddr_o = araddr_q;
  assign m_arlen_o = arlen_q;
  assign outstanding_o = (accepted_q != {CntBits{1'b0}});

  wire unused_ok = &{1'b0, own_full};

endmodule

`default_nettype wire
